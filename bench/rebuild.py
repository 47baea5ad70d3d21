"""Rebuild of a service's read models from its event store (architecture.md §5 "Rebuild").

Stores intake events (per application: ``ApplicationSubmitted`` then a document) in a
database of intake's schema, then times ``services.intake.projections.rebuild``: empty the
read models and replay every event into them, as ``python -m services.intake.rebuild``
does.

    .venv/bin/python -m bench.rebuild [--scale 1.0]
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date
from pathlib import Path

import asyncpg

from bench.figures import Figure, Servers, scaled
from services.intake import projections
from shared.contracts.intake import (
    ActivityRequest,
    ApplicationDocumentAdded,
    ApplicationSubmitted,
    Channel,
    DocumentKind,
    Person,
)
from shared.store.db import SHARED_MIGRATIONS, apply_migrations, database_dsn, ensure_database
from shared.store.eventstore import EventContext, EventStore

INTAKE_MIGRATIONS = Path(projections.__file__).parent / "migrations"
EVENTS = 20000  # at scale 1.0
WRITERS = 4


def application_events(n: int) -> tuple[str, list[ApplicationSubmitted | ApplicationDocumentAdded]]:
    application_id = str(uuid.uuid4())
    submitted = ApplicationSubmitted(
        application_id=application_id,
        received_on=date(2026, 11, 2),
        channel=Channel.IN_PERSON,
        applicant=Person(
            personal_code="12038512342",
            first_name="Jānis",
            last_name=f"Bērziņš {n}",
            birth_date=date(1985, 3, 12),
            declared_address="Rīgas iela 1, Daugavpils, LV-5401",
        ),
        activities=[ActivityRequest(kind="work", hours_per_week=20)],
    )
    document = ApplicationDocumentAdded(
        application_id=application_id,
        document_id=str(uuid.uuid4()),
        kind=next(iter(DocumentKind)),
        title=f"Atzinums Nr. {n}",
        content_sha256="ab" * 32,
        storage_ref=f"s3://daugavpils-intake/{n}.pdf",
        received_on=date(2026, 11, 3),
    )
    return f"application-{application_id}", [submitted, document]


async def store_events(pool: asyncpg.Pool, events: int) -> int:
    store = EventStore("intake")
    context = EventContext(municipality="daugavpils", correlation_id="bench")
    applications = max(1, events // 2)

    async def writer(w: int) -> int:
        written = 0
        async with pool.acquire() as conn:
            for start in range(w, applications, WRITERS * 100):
                async with conn.transaction():
                    for n in range(start, min(start + WRITERS * 100, applications), WRITERS):
                        stream_id, batch = application_events(n)
                        await store.append(conn, stream_id, 0, batch, context)
                        written += len(batch)
        return written

    return sum(await asyncio.gather(*(writer(w) for w in range(WRITERS))))


async def measure(servers: Servers, scale: float = 1.0) -> list[Figure]:
    name = f"benchrebuild_{uuid.uuid4().hex[:8]}"
    await ensure_database(servers.database_url, name)
    pool = await asyncpg.create_pool(
        database_dsn(servers.database_url, name), min_size=1, max_size=WRITERS
    )
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, SHARED_MIGRATIONS, INTAKE_MIGRATIONS)
        stored = await store_events(pool, scaled(EVENTS, scale, least=20))
        async with pool.acquire() as conn:
            started = time.perf_counter()
            replayed = await projections.rebuild(conn, EventStore("intake"))
            elapsed = time.perf_counter() - started
            rows = await conn.fetchval("select count(*) from applications")
    finally:
        await pool.close()
    assert replayed == stored and rows == stored // 2, (replayed, stored, rows)
    return [Figure("rebuild: intake read models from the store", replayed / elapsed, "events/s")]


def main() -> None:
    from bench.__main__ import run_standalone

    run_standalone([measure])


if __name__ == "__main__":
    main()
