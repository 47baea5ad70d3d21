"""Application layer: the assignment a report belongs to, and one command on a report.

Callers own the transaction (``CommandContext.run`` for HTTP, the overdue job), so events,
read models and the idempotency key commit together or not at all (architecture.md §5).
Commands go through the shared pipeline (shared/commands.py) in one attempt: two commands
on the same report at once never merge; the second fails on the stream version
(``ConcurrencyError``, 409) and is not decided again (``run`` says why).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from services.timesheets.domain import report as domain
from services.timesheets.domain.errors import NotFound
from services.timesheets.domain.report import Command, Report, ReportState
from services.timesheets.report.projection import Meta, project
from shared.commands import Decide, Outcome, execute
from shared.events.envelope import Envelope
from shared.store.eventstore import EventContext
from shared.store.protocol import EventStorage
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


async def project_appended(
    conn: Connection, appended: Sequence[tuple[Envelope, BaseModel]]
) -> None:
    """The reports' read models of one append (the pipeline's ``project``)."""
    for envelope, event in appended:
        await project(conn, Meta.of(envelope), event)


Build = Callable[[ReportState], Command]
"""The command from the report's current state (pure: after a conflict it runs again)."""


def deciding(build: Build) -> Decide[ReportState]:
    return lambda state: domain.decide(build(state), state)


def fixed(command: Command) -> Decide[ReportState]:
    """A command that needs nothing from the state."""
    return deciding(lambda _: command)


async def run(
    conn: Connection,
    store: EventStorage[Connection],
    report: Report,
    decide: Decide[ReportState],
    context: EventContext,
) -> Outcome[ReportState]:
    """One command on ``report`` through the shared pipeline (shared/commands.py): load,
    ``decide``, append with the version read, project.

    One attempt, not the pipeline's three: a command on a report is a person's verdict on
    the version they saw (approve these hours, reopen this submission). Decided again on a
    report that changed meanwhile it would be another act (reopening an approval that
    landed first starts a correction), so a conflict is answered 409, "reload and try
    again", and the person decides on what is there now."""
    return await execute(
        store,
        conn,
        context,
        domain.REPORT,
        domain.stream_of(report.timesheet_id),
        decide,
        project=project_appended,
        attempts=1,
    )
