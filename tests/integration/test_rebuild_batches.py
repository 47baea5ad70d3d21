"""A rebuild in batches (waves of executemany and COPY, issue #14) gives the rows the live
projection wrote event by event, also when many applications' events interleave.

The rebuild tests of intake and decisions (test_intake_api.py, test_decisions_bus.py)
replay a handful of events; these replay enough of each kind that every group of a batch
is large enough to go through COPY or ``executemany``.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import asyncpg
from pydantic import BaseModel

from bench.rebuild import application_events, case_events
from services.decisions.read_models import projections as decisions_projections
from services.intake import projections as intake_projections
from shared.contracts.intake import ApplicationWithdrawn, ChangeKind, CircumstancesReported
from shared.store.db import apply_migrations
from shared.store.eventstore import EventContext, EventStore

CONTEXT = EventContext(municipality="daugavpils", correlation_id="test")


def _intake_streams(count: int) -> list[tuple[str, list[BaseModel]]]:
    streams = []
    for n in range(count):
        stream_id, events = application_events(n)
        application_id = stream_id.removeprefix("application-")
        if n % 3 == 0:
            events.append(
                CircumstancesReported(
                    application_id=application_id,
                    report_id=str(uuid.uuid4()),
                    kind=ChangeKind.INPATIENT,
                    effective_from=date(2026, 11, 5),
                    description=f"hospital {n}",
                )
            )
        if n % 2 == 0:
            events.append(
                ApplicationWithdrawn(
                    application_id=application_id, withdrawn_on=date(2026, 11, 9), reason="moved"
                )
            )
        streams.append((stream_id, events))
    return streams


async def _live_then_rebuilt(
    pool: asyncpg.Pool,
    service: str,
    migrations: Path,
    streams: list[tuple[str, list[BaseModel]]],
    project: object,
    rebuild: object,
    tables: dict[str, str],
    *,
    interleave: bool,
) -> tuple[dict[str, list[asyncpg.Record]], dict[str, list[asyncpg.Record]]]:
    store = EventStore(service)
    async with pool.acquire() as conn:
        await apply_migrations(conn, migrations)
        # Live: one event per transaction, each projected alone (as a command or a consumer
        # does); the streams' events interleaved round robin, or one stream after another
        # (then a batch of the rebuild starts in the middle of a stream).
        longest = max(len(events) for _, events in streams)
        order = (
            [(s, i) for i in range(longest) for s in range(len(streams))]
            if interleave
            else [(s, i) for s in range(len(streams)) for i in range(longest)]
        )
        for s, index in order:
            stream_id, events = streams[s]
            if index < len(events):
                async with conn.transaction():
                    [envelope] = await store.append(
                        conn, stream_id, index, [events[index]], CONTEXT
                    )
                    await project(conn, envelope, events[index])  # type: ignore[operator]

        async def rows() -> dict[str, list[asyncpg.Record]]:
            return {
                t: await conn.fetch(f"select * from {t} order by {k}") for t, k in tables.items()
            }

        live = await rows()
        async with pool.acquire() as reader:
            replayed = await rebuild(conn, store, 50, reader=reader)  # type: ignore[operator]
        assert replayed == sum(len(events) for _, events in streams)
        return live, await rows()


async def test_a_batched_rebuild_of_intake_equals_the_live_tables(event_db: asyncpg.Pool) -> None:
    live, rebuilt = await _live_then_rebuilt(
        event_db,
        "intake",
        Path(intake_projections.__file__).parent / "migrations",
        _intake_streams(60),
        intake_projections.project,
        intake_projections.rebuild,
        {
            "applications": "application_id",
            "application_documents": "document_id",
            "application_changes": "report_id",
        },
        interleave=True,
    )
    assert len(live["applications"]) == 60 and len(live["application_changes"]) == 20
    assert sum(r["status"] == "withdrawn" for r in live["applications"]) == 30
    assert rebuilt == live


async def test_a_batched_rebuild_of_decisions_equals_the_live_tables(
    event_db: asyncpg.Pool,
) -> None:
    live, rebuilt = await _live_then_rebuilt(
        event_db,
        "decisions",
        Path(decisions_projections.__file__).parents[1] / "migrations",
        [case_events(n) for n in range(40)],
        decisions_projections.project,
        decisions_projections.rebuild,
        {"cases": "case_id", "tasks": "task_id"},
        interleave=False,
    )
    assert len(live["cases"]) == 40 and len(live["tasks"]) == 40
    assert all(r["overdue"] for r in live["cases"])
    assert all(r["open_tasks"] == 0 for r in live["cases"])
    assert rebuilt == live
