"""Application layer: load a report, check it against what is known, decide, append, project.

Callers own the transaction (``run_command`` for HTTP, the overdue job), so events, read
models and the idempotency key commit together or not at all (architecture.md §5). Two
commands on the same report at once: the second fails on the stream version
(``ConcurrencyError``, 409), never merges.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from services.timesheets.domain import report as domain
from services.timesheets.domain.errors import NotFound
from services.timesheets.domain.report import Command, Report, ReportState
from services.timesheets.report.projection import Meta, project
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection

# Report ids follow from the assignment and the month: one report per pair, and a retried
# "create" finds the same stream.
REPORT_NAMESPACE = uuid.UUID("7c0a3b1e-5d2f-4e8a-9b61-71e5a4ee7510")


def timesheet_id(assignment_id: str, month: str) -> str:
    return str(uuid.uuid5(REPORT_NAMESPACE, f"{assignment_id}/{month}"))


@dataclass(frozen=True)
class Assignment:
    assignment_id: str
    assistant_id: str
    case_id: str
    municipality: str
    assigned_from: Any
    last_day: Any

    def report(self, month: str) -> Report:
        return Report(
            timesheet_id(self.assignment_id, month),
            self.assistant_id,
            self.case_id,
            self.assignment_id,
            month,
        )


async def find_assignment(conn: Connection, assignment_id: str, municipality: str) -> Assignment:
    row = await conn.fetchrow(
        "select assignment_id, assistant_id, case_id, municipality, assigned_from, last_day"
        " from known_assignments where assignment_id = $1 and municipality = $2",
        assignment_id,
        municipality,
    )
    if row is None:
        raise NotFound(f"no assignment {assignment_id} in {municipality}")
    return Assignment(**dict(row))


async def load(conn: Connection, store: EventStore, report: Report) -> tuple[ReportState, int]:
    return await store.load(
        conn, domain.stream_of(report.timesheet_id), ReportState(report=None), domain.evolve
    )


Make = Callable[[ReportState], Awaitable[Command]]


async def run(
    conn: Connection,
    store: EventStore,
    report: Report,
    make: Make,
    context: EventContext,
    before_append: Callable[[], Awaitable[Any]] | None = None,
) -> tuple[ReportState, list[BaseModel], Any]:
    """Run the command ``make(state)`` builds: it may read the state (to edit entries) and
    the read models (the checks' context), on the same connection. ``before_append`` runs
    after the projection and before the append; its result is returned."""
    state, version = await load(conn, store, report)
    command = await make(state)
    events = domain.decide(command, state)
    # Read models first, then the append (projection.py says why); a refused append rolls
    # back the transaction, read models included.
    for sequence, event in enumerate(events, start=version + 1):
        await project(conn, Meta(context.municipality, sequence, context.actor), event)
        state = domain.evolve(state, event)
    # E.g. the reply's view of the read models: read before the lock, as the projection.
    answer = None if before_append is None else await before_append()
    await store.append(conn, domain.stream_of(report.timesheet_id), version, events, context)
    return state, events, answer


def fixed(command: Command) -> Make:
    """A command that needs nothing from the state."""

    async def make(_: ReportState) -> Command:
        return command

    return make
