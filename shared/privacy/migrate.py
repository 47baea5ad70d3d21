"""One-time migration: seal the personal fields of events written before issue #9.

    python -m shared.privacy.migrate            (with the services stopped)

For each service database: every stored event whose personal fields are still clear is
sealed in place (the only rewrite the append-only store ever gets; ids, versions and
positions stay), then the service's stream is deleted and its outbox marked unpublished,
so the relay publishes the sealed events again when the service starts (same
``Nats-Msg-Id``s; the durable consumers are provisioned again and skip what they already
processed). Running it again changes nothing. Copies partners already received in clear
cannot be recalled: docs/privacy.md says what to tell them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys

import asyncpg
import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

import shared.contracts  # noqa: F401  (registers every event type)
from shared.bus.nats_auth import nats_auth
from shared.events.envelope import Envelope, stream_name
from shared.events.registry import UnknownEventType
from shared.logging import get_logger
from shared.privacy.protect import Protector
from shared.privacy.setup import connected_protector
from shared.settings import SERVICE_PORTS, Settings
from shared.store.db import database_dsn
from shared.store.types import Connection

log = get_logger(__name__)


async def seal_stored_events(conn: Connection, protector: Protector, batch: int = 500) -> int:
    """Seal every stored event that still has clear personal fields; returns how many."""
    changed = 0
    position = 0
    while True:
        rows = await conn.fetch(
            "select position, envelope::text as envelope from events where position > $1"
            " order by position limit $2",
            position,
            batch,
        )
        if not rows:
            return changed
        for row in rows:
            position = row["position"]
            envelope = Envelope.model_validate_json(row["envelope"])
            try:
                sealed = await protector.seal(envelope)
            except UnknownEventType:
                log.warning("privacy.migrate_unknown_type", type=envelope.type)
                continue
            if sealed.data != envelope.data:
                await conn.execute(
                    "update events set envelope = $2::jsonb where position = $1",
                    position,
                    sealed.to_json().decode(),
                )
                changed += 1


async def drop_clear_copies(js: JetStreamContext, service: str) -> None:
    """Delete the stream holding clear copies; the relay publishes the sealed events again."""
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(stream_name(service))


async def migrate_service(settings: Settings, service: str, js: JetStreamContext) -> int | None:
    dsn = database_dsn(settings.database_url, settings.database_name(service))
    try:
        conn = await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:
        return None  # this service never ran here
    try:
        if not await conn.fetchval("select to_regclass('events') is not null"):
            return None
        async with connected_protector(settings) as protector, conn.transaction():
            changed = await seal_stored_events(conn, protector)
            if changed:
                await conn.execute("update outbox set published_at = null")
        # After the commit: a failure here leaves unpublished rows, and a rerun deletes then.
        if changed or await conn.fetchval(
            "select exists (select 1 from outbox where published_at is null)"
        ):
            await drop_clear_copies(js, service)
        return changed
    finally:
        await conn.close()


async def main(settings: Settings) -> dict[str, int | None]:
    nc = await nats.connect(settings.nats_url, **nats_auth(settings))
    try:
        js = nc.jetstream()
        return {s: await migrate_service(settings, s, js) for s in SERVICE_PORTS}
    finally:
        await nc.drain()


if __name__ == "__main__":
    result = asyncio.run(main(Settings()))
    print(json.dumps({"sealed_events": result}))
    sys.exit(0)
