"""Rebuild of a service's read models from its event store (architecture.md §5 "Rebuild").

Stores intake events (per application: ``ApplicationSubmitted`` then a document) in a
database of intake's schema, and decisions events (per case: opened, a task opened and
closed, overdue) in one of decisions' schema, then times each service's
``projections.rebuild``: empty the read models and replay every event into them, as
``python -m services.<service>.rebuild`` does (with its second, reading connection), twice
in a row (``RUNS``: the first also pays the process's one-time loads). Goal of issue #14:
at least 20,000 events/s.

    .venv/bin/python -m bench.rebuild [--scale 1.0]
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path

import asyncpg
from pydantic import BaseModel

from bench.figures import Figure, Servers, scaled
from services.decisions.read_models import projections as decisions_projections
from services.intake import projections
from shared.contracts.decisions import (
    CaseOpened,
    ClientData,
    DecisionOverdue,
    TaskClosed,
    TaskOpened,
)
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
DECISIONS_MIGRATIONS = Path(decisions_projections.__file__).parents[1] / "migrations"
GOAL = 20000.0  # events/s
EVENTS = 20000  # per service at scale 1.0
WRITERS = 4
# The first rebuild of a process also pays what a process loads once (intake: the holiday
# calendar for its deadlines, about 0.25 s; each event type's parsing model); the second
# shows the rate of a long rebuild, where those are spread over many more events.
RUNS = 2


Rebuild = Callable[..., Awaitable[int]]


def application_events(n: int) -> tuple[str, list[BaseModel]]:
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


def case_events(n: int) -> tuple[str, list[BaseModel]]:
    case_id = str(uuid.uuid4())
    opened = CaseOpened(
        case_id=case_id,
        application_id=case_id,
        municipality="daugavpils",
        received_on=date(2026, 9, 1),
        decision_deadline=date(2026, 10, 1),
        client=ClientData(
            personal_code="12038512342",
            first_name="Jānis",
            last_name=f"Bērziņš {n}",
            birth_date=date(1985, 3, 12),
        ),
    )
    task_id = str(uuid.uuid4())
    return f"case-{case_id}", [
        opened,
        TaskOpened(case_id=case_id, task_id=task_id, kind="other", description="check"),
        TaskClosed(case_id=case_id, task_id=task_id, closed_on=date(2026, 9, 2), resolution="ok"),
        DecisionOverdue(
            case_id=case_id,
            received_on=date(2026, 9, 1),
            decision_deadline=date(2026, 10, 1),
            detected_on=date(2026, 10, 2),
        ),
    ]


Make = Callable[[int], tuple[str, Sequence[BaseModel]]]


async def store_events(pool: asyncpg.Pool, service: str, events: int, make: Make) -> int:
    store = EventStore(service)
    context = EventContext(municipality="daugavpils", correlation_id="bench")
    per_stream = len(make(0)[1])
    streams = max(1, events // per_stream)

    async def writer(w: int) -> int:
        written = 0
        async with pool.acquire() as conn:
            for start in range(w, streams, WRITERS * 100):
                async with conn.transaction():
                    for n in range(start, min(start + WRITERS * 100, streams), WRITERS):
                        stream_id, batch = make(n)
                        await store.append(conn, stream_id, 0, batch, context)
                        written += len(batch)
        return written

    return sum(await asyncio.gather(*(writer(w) for w in range(WRITERS))))


async def _rebuild(
    servers: Servers, service: str, migrations: Path, make: Make, events: int, rebuild: Rebuild
) -> tuple[int, list[tuple[int, float]]]:
    """(events stored, [(events replayed, seconds)] of each of ``RUNS`` rebuilds in a row)."""
    name = f"benchrebuild_{service}_{uuid.uuid4().hex[:8]}"
    await ensure_database(servers.database_url, name)
    pool = await asyncpg.create_pool(
        database_dsn(servers.database_url, name), min_size=1, max_size=WRITERS
    )
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, SHARED_MIGRATIONS, migrations)
        stored = await store_events(pool, service, events, make)
        runs = []
        async with pool.acquire() as conn, pool.acquire() as reader:
            for _ in range(RUNS):
                started = time.perf_counter()
                replayed = await rebuild(conn, EventStore(service), reader=reader)
                runs.append((replayed, time.perf_counter() - started))
        return stored, runs
    finally:
        await pool.close()


async def measure(servers: Servers, scale: float = 1.0) -> list[Figure]:
    events = scaled(EVENTS, scale, least=20)
    figures = []
    for service, migrations, make, rebuild in (
        ("intake", INTAKE_MIGRATIONS, application_events, projections.rebuild),
        ("decisions", DECISIONS_MIGRATIONS, case_events, decisions_projections.rebuild),
    ):
        stored, runs = await _rebuild(servers, service, migrations, make, events, rebuild)
        for run, (replayed, seconds) in enumerate(runs):
            assert replayed == stored, (service, replayed, stored)
            when = "first in its process" if run == 0 else "again"
            figures.append(
                Figure(
                    f"rebuild: {service} read models from the store ({replayed:,} events, {when})",
                    replayed / seconds,
                    "events/s",
                    baseline=GOAL,
                    baseline_name="goal",
                )
            )
    return figures


def main() -> None:
    from bench.__main__ import run_standalone

    run_standalone([measure])


if __name__ == "__main__":
    main()
