"""The report a route acts on: who calls, for which assignment and month.

Every route on one report needs the same things (the caller checked for the route's roles,
the municipality, the assignment id, the month); one FastAPI dependency gathers them, so a
route only builds its command. A command route takes a :class:`ReportCommand`, built on the
shared :class:`~shared.http.commands.CommandContext` (token, municipality, role and
``Idempotency-Key`` checked as dependencies, so the OpenAPI description keeps each route's
roles and error statuses: ``shared.http.contract`` walks the dependencies); a read takes a
:class:`ReportCall`.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path
from fastapi.responses import JSONResponse

from services.timesheets.api.support import Runtime, reachable
from services.timesheets.domain.report import Checks, Command, Report, ReportState
from services.timesheets.report.context import checks_for
from services.timesheets.report.handlers import Build, deciding, run
from services.timesheets.report.views import report_view
from shared.http.auth import Principal, Role, require
from shared.http.commands import CommandContext, Payload, Reply, command_context
from shared.http.params import MONTH
from shared.runtime import ServiceRuntime
from shared.store.types import Connection

Month = Annotated[str, Path(pattern=MONTH, description="YYYY-MM, the Latvian calendar month")]
Prepare = Callable[[Connection, Report], Awaitable[Build]]


@dataclass(frozen=True)
class ReportCall:
    """One read of the report of ``assignment_id`` and ``month``."""

    runtime: ServiceRuntime
    principal: Principal
    municipality: str
    assignment_id: str
    month: str


@dataclass(frozen=True)
class ReportCommand:
    """One command on the report of ``assignment_id`` and ``month``; its answer is the
    report as it then stands."""

    ctx: CommandContext
    assignment_id: str
    month: str

    async def run(
        self, payload: Payload, build: Callable[[Report, ReportState], Command], status: int = 200
    ) -> JSONResponse:
        """The command ``build`` makes of the report and its current state."""

        async def prepare(conn: Connection, report: Report) -> Build:
            return lambda state: build(report, state)

        return await self._execute(payload, prepare, status)

    async def run_checked(
        self, payload: Payload, build: Callable[[Checks, ReportState], Command]
    ) -> JSONResponse:
        """The command ``build`` makes of the checks' context (rules.md §7.2) and the
        report's state. The context (the other reports and the grants) is read before the
        report is loaded; a report command makes one attempt (report/handlers.py ``run``)."""

        async def prepare(conn: Connection, report: Report) -> Build:
            checks = await checks_for(conn, report)
            return lambda state: build(checks, state)

        return await self._execute(payload, prepare, 200)

    async def _execute(self, payload: Payload, prepare: Prepare, status: int) -> JSONResponse:
        ctx = self.ctx

        # A DomainError rolls everything back; the shared handler answers it (problems.py).
        async def work(conn: Connection) -> Reply:
            assignment = await reachable(conn, ctx.principal, ctx.municipality, self.assignment_id)
            report = assignment.report(self.month)
            build = await prepare(conn, report)
            await run(conn, ctx.runtime.store, report, deciding(build), ctx.events)
            return status, await report_view(conn, assignment, self.month)

        return await ctx.run(payload, work)


def _report_call(*roles: Role) -> Callable[..., Awaitable[ReportCall]]:
    # Evaluated here, not postponed: FastAPI must resolve ``access``, a local name.
    access = require(*roles)

    async def dependency(
        municipality: str,
        assignment_id: str,
        month: Month,
        principal: Annotated[Principal, Depends(access)],
        runtime: Runtime,
    ) -> ReportCall:
        return ReportCall(runtime, principal, municipality, assignment_id, month)

    return dependency


def _report_command(*roles: Role) -> Callable[..., Awaitable[ReportCommand]]:
    context = command_context(*roles)

    async def dependency(
        assignment_id: str, month: Month, ctx: Annotated[CommandContext, Depends(context)]
    ) -> ReportCommand:
        return ReportCommand(ctx, assignment_id, month)

    return dependency


AssistantCall = Annotated[ReportCommand, Depends(_report_command(Role.ASSISTANT))]
ClientCall = Annotated[ReportCommand, Depends(_report_command(Role.CLIENT))]
CaseworkerCall = Annotated[ReportCommand, Depends(_report_command(Role.CASEWORKER))]
ReopenerCall = Annotated[ReportCommand, Depends(_report_command(Role.ASSISTANT, Role.CASEWORKER))]
ReaderCall = Annotated[
    ReportCall, Depends(_report_call(Role.ASSISTANT, Role.CLIENT, Role.CASEWORKER))
]
