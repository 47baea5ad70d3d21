"""What every route of the decisions API shares: access, bodies, commands, problems.

Every route is under ``/municipalities/{municipality}/`` and needs a caseworker token of that
municipality (another municipality's token gets 403; the ministry sees no personal data
here). Every command runs through ``run_command``: one transaction with its
``Idempotency-Key``, so a retry gets the first answer and a refusal leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.decisions.case_commands import (
    CaseCommand,
)
from services.decisions.case_state import CaseState
from services.decisions.domain import DomainError
from services.decisions.handlers import run_case
from services.decisions.hearing import MissingStep
from services.decisions.views import decision_view
from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.commands import correlation_id as correlation_id
from shared.http.commands import event_context
from shared.http.idempotency import checked_key, run_command
from shared.http.problems import Problem
from shared.http.problems import problem_of as shared_problem_of
from shared.runtime import ServiceRuntime
from shared.store.types import Connection

Caseworker = Annotated[Principal, Depends(require(Role.CASEWORKER))]
Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
Reply = tuple[int, dict[str, Any]]
context_of = event_context  # the name the routes use
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Note = Annotated[str, Field(max_length=2000)]
Hours = Annotated[Decimal, Field(gt=0, le=744, allow_inf_nan=False)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def problem_of(error: DomainError) -> Problem:
    """The shared mapping (shared/http/problems.py), and the missing step of issue #17: the
    step the law requires first, named for the caller's program too."""
    if isinstance(error, MissingStep):
        return Problem(409, "A required step is missing", str(error), missing_step=error.step)
    return shared_problem_of(error)


async def command(
    runtime: ServiceRuntime,
    request: Request,
    municipality: str,
    payload: BaseModel | None,
    body: Callable[[Connection], Awaitable[Reply]],
) -> JSONResponse:
    """Run ``body`` as an idempotent command; a domain refusal becomes a problem document.

    Every command needs an ``Idempotency-Key`` (architecture.md §5), as in intake.
    """
    checked_key(request.headers.get("Idempotency-Key"))

    async def run(conn: Connection) -> Reply:
        try:
            return await body(conn)
        except DomainError as error:
            raise problem_of(error) from error

    data = None if payload is None else payload.model_dump(mode="json")
    scope = f"decisions:{municipality}"
    response = await run_command(runtime.pool, request, scope, data, run)
    response.headers["X-Correlation-Id"] = correlation_id(request)
    return response


async def case_command(
    runtime: ServiceRuntime,
    request: Request,
    principal: Principal,
    municipality: str,
    case_id: str,
    payload: BaseModel | None,
    make: Callable[[], CaseCommand],
    reply: Callable[[CaseState, list[BaseModel]], dict[str, Any]],
) -> JSONResponse:
    context = context_of(request, principal, municipality)

    async def body(conn: Connection) -> Reply:
        state, events = await run_case(
            conn, runtime.store, case_id, make(), context, municipality, serialise=True
        )
        return 201, {"case_id": case_id, "status": state.status.value} | reply(state, events)

    return await command(runtime, request, municipality, payload, body)


def decision_reply(state: CaseState, events: list[BaseModel]) -> dict[str, Any]:
    decision = state.decisions[-1]
    return {"decision": decision_view(state, decision)}
