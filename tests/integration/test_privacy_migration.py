"""The one-time migration seals events written before issue #9, and only once."""

from __future__ import annotations

import asyncpg
import pytest
from nats.js import JetStreamContext

from shared.bus.provisioning import ensure_service_stream
from shared.privacy.migrate import migrate_service, seal_stored_events
from shared.privacy.setup import connected_protector
from shared.settings import Settings
from shared.store.db import SHARED_MIGRATIONS, apply_migrations, database_dsn, ensure_database
from shared.store.eventstore import EventContext, EventStore
from tests.integration.test_decisions_support import submitted

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


async def test_clear_events_are_sealed_in_place_once_and_published_again(
    settings: Settings, js: JetStreamContext
) -> None:
    await ensure_database(settings.database_url, settings.database_name("intake"))
    conn = await asyncpg.connect(
        database_dsn(settings.database_url, settings.database_name("intake"))
    )
    try:
        await apply_migrations(conn, SHARED_MIGRATIONS)
        old = submitted()  # as written before issue #9: no keyring, clear fields
        context = EventContext(municipality="daugavpils", correlation_id="c")
        [written] = await EventStore("intake").append(
            conn, f"application-{old.application_id}", 0, [old], context
        )
        await conn.execute("update outbox set published_at = now()")
        await ensure_service_stream(js, "intake")
        assert "Bērziņš" in await conn.fetchval("select envelope::text from events")

        assert await migrate_service(settings, "intake", js) == 1
        raw = await conn.fetchval("select envelope::text from events")
        assert "Bērziņš" not in raw and "12038512342" not in raw
        assert await conn.fetchval("select count(*) from outbox where published_at is null") == 1
        assert "INTAKE" not in [i.config.name for i in await js.streams_info()]

        async with connected_protector(settings) as protector:
            [reread] = await EventStore("intake", protector=protector).read_stream(
                conn, f"application-{old.application_id}"
            )
            assert reread.id == written.id and reread.data == written.data
            assert await seal_stored_events(conn, protector) == 0, "a second run changes nothing"
    finally:
        await conn.close()
