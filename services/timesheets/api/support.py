"""What every route shares: who may touch which report, commands, problems.

Routes live under ``/municipalities/{municipality}/``. A caseworker reaches every report of
their municipality; an ``assistant`` token only the reports of its assistant (by id, or by
personal code for a ``person=`` binding: every municipality where the person works); a
``client`` token only the reports of its case. The ministry reads nothing here. Every
command takes a ``CommandContext`` (shared/http/commands.py): one transaction with its
``Idempotency-Key``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel, ConfigDict

from services.timesheets.domain.errors import NotFound
from services.timesheets.report.handlers import Assignment, find_assignment
from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.commands import CommandContext, command_context
from shared.runtime import ServiceRuntime
from shared.store.types import Connection

Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
Caseworker = Annotated[Principal, Depends(require(Role.CASEWORKER))]
AssistantOrCaseworker = Annotated[Principal, Depends(require(Role.ASSISTANT, Role.CASEWORKER))]
CaseworkerCommand = Annotated[CommandContext, Depends(command_context(Role.CASEWORKER))]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Whether an id belongs to the person of a ``person=`` token: id $1, personal code $2.
ASSISTANT_OF_PERSON = (
    "select true from known_assistants where assistant_id = $1 and personal_code = $2"
)
CASE_OF_PERSON = "select true from grant_cases where case_id = $1 and client_code = $2"


async def is_own_assistant(conn: Connection, principal: Principal, assistant_id: str) -> bool:
    return await _bound_to(conn, principal, assistant_id, ASSISTANT_OF_PERSON)


async def is_own_case(conn: Connection, principal: Principal, case_id: str) -> bool:
    return await _bound_to(conn, principal, case_id, CASE_OF_PERSON)


async def _bound_to(conn: Connection, principal: Principal, bound_id: str, of_person: str) -> bool:
    """Whether the token is bound to ``bound_id``: by that id, or by the personal code of a
    ``person=`` binding, for which ``of_person`` (id $1, code $2) finds a row."""
    if principal.binding == bound_id:
        return True
    code = principal.person_code
    if code is None:
        return False
    return bool(await conn.fetchval(of_person, bound_id, code))


async def may_read(conn: Connection, principal: Principal, assignment: Assignment) -> bool:
    match principal.role:
        case Role.CASEWORKER:
            return True  # require() checked the municipality
        case Role.ASSISTANT:
            return await is_own_assistant(conn, principal, assignment.assistant_id)
        case Role.CLIENT:
            return await is_own_case(conn, principal, assignment.case_id)
    return False


async def reachable(
    conn: Connection, principal: Principal, municipality: str, assignment_id: str
) -> Assignment:
    """The assignment, if this caller may see its reports; else 404 (existence not told)."""
    assignment = await find_assignment(conn, assignment_id, municipality)
    if not await may_read(conn, principal, assignment):
        raise NotFound(f"no assignment {assignment_id} of yours in {municipality}")
    return assignment
