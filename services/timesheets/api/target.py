"""The report a route acts on: who calls, for which assignment and month.

Every route on one report needs the same six things (runtime, request, principal,
municipality, assignment id, month); one FastAPI dependency gathers them, so a route only
builds its command. The role check stays ``require()``'s, so the OpenAPI description keeps
each route's roles and error statuses (``shared.http.contract`` walks the dependencies).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import JSONResponse

from services.timesheets.api.support import Runtime, report_command
from services.timesheets.domain.report import ReportState
from shared.http.auth import Principal, Role, require
from shared.http.params import MONTH
from shared.runtime import ServiceRuntime
from shared.store.types import Connection

Month = Annotated[str, Path(pattern=MONTH, description="YYYY-MM, the Latvian calendar month")]
MakeCommand = Callable[[Connection, ReportState], Awaitable[Any]]


@dataclass(frozen=True)
class ReportCall:
    """One call on the report of ``assignment_id`` and ``month``."""

    runtime: ServiceRuntime
    request: Request
    principal: Principal
    municipality: str
    assignment_id: str
    month: str

    async def run(self, payload: Any, make: MakeCommand, status: int = 200) -> JSONResponse:
        """``make`` the command from the report's state and run it (``report_command``)."""
        return await report_command(
            self.runtime,
            self.request,
            self.principal,
            self.municipality,
            self.assignment_id,
            self.month,
            payload,
            make,
            status,
        )


def _report_call(*roles: Role) -> Callable[..., Awaitable[ReportCall]]:
    # Evaluated here, not postponed: FastAPI must resolve ``access``, a local name.
    access = require(*roles)

    async def dependency(
        municipality: str,
        assignment_id: str,
        month: Month,
        request: Request,
        principal: Annotated[Principal, Depends(access)],
        runtime: Runtime,
    ) -> ReportCall:
        return ReportCall(runtime, request, principal, municipality, assignment_id, month)

    return dependency


AssistantCall = Annotated[ReportCall, Depends(_report_call(Role.ASSISTANT))]
ClientCall = Annotated[ReportCall, Depends(_report_call(Role.CLIENT))]
CaseworkerCall = Annotated[ReportCall, Depends(_report_call(Role.CASEWORKER))]
ReopenerCall = Annotated[ReportCall, Depends(_report_call(Role.ASSISTANT, Role.CASEWORKER))]
ReaderCall = Annotated[
    ReportCall, Depends(_report_call(Role.ASSISTANT, Role.CLIENT, Role.CASEWORKER))
]
