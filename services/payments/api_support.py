"""What every payments route shares: the finance role, idempotent commands, problems.

Every route is under ``/municipalities/{municipality}/`` and needs a ``finance`` token of
that municipality (another municipality's token gets 403). Commands need an
``Idempotency-Key`` and run in one transaction (``run_command``): a retry gets the first
answer, a refusal leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from services.payments.domain import (
    DomainError,
    FourEyes,
    IllegalTransition,
    InvalidCommand,
    NotFound,
)
from shared.events.envelope import new_event_id
from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.idempotency import checked_key, run_command
from shared.http.problems import Problem
from shared.runtime import ServiceRuntime
from shared.store.eventstore import EventContext
from shared.store.types import Connection

Finance = Annotated[Principal, Depends(require(Role.FINANCE))]
Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
Reply = tuple[int, dict[str, Any]]


def problem_of(error: DomainError) -> Problem:
    if isinstance(error, InvalidCommand):
        errors = [{"field": e.field, "message": e.message} for e in error.errors]
        fields = ", ".join(e.field for e in error.errors)
        return Problem(
            422, "Invalid request", f"These fields are not valid: {fields}", errors=errors
        )
    if isinstance(error, FourEyes):
        return Problem(403, "Four eyes", str(error))
    if isinstance(error, NotFound):
        return Problem(404, "Not found", str(error))
    if isinstance(error, IllegalTransition):
        return Problem(409, "Not allowed now", str(error))
    return Problem(400, "Refused", str(error))


def context_of(request: Request, principal: Principal, municipality: str) -> EventContext:
    correlation = request.headers.get("X-Correlation-Id") or new_event_id()
    request.state.correlation_id = correlation
    return EventContext(
        municipality=municipality, correlation_id=correlation, actor=principal.actor
    )


async def command(
    runtime: ServiceRuntime,
    request: Request,
    municipality: str,
    payload: Any,
    body: Callable[[Connection], Awaitable[Reply]],
) -> JSONResponse:
    """Run ``body`` as an idempotent command; a domain refusal becomes a problem document."""
    checked_key(request.headers.get("Idempotency-Key"))

    async def run(conn: Connection) -> Reply:
        try:
            return await body(conn)
        except DomainError as error:
            raise problem_of(error) from error

    response = await run_command(runtime.pool, request, f"payments:{municipality}", payload, run)
    response.headers["X-Correlation-Id"] = getattr(request.state, "correlation_id", "")
    return response


async def read(runtime: ServiceRuntime, body: Callable[[Connection], Awaitable[Any]]) -> Any:
    """A query; a domain refusal (e.g. not found) becomes a problem document."""
    async with runtime.pool.acquire() as conn:
        try:
            return await body(conn)
        except DomainError as error:
            raise problem_of(error) from error
