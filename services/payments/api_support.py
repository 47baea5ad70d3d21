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

from services.payments.domain import DomainError
from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.commands import correlation_id, event_context
from shared.http.idempotency import checked_key, run_command
from shared.http.problems import problem_of as problem_of
from shared.runtime import ServiceRuntime
from shared.store.types import Connection

Finance = Annotated[Principal, Depends(require(Role.FINANCE))]
Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
Reply = tuple[int, dict[str, Any]]
context_of = event_context  # the name the routes use


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
    response.headers["X-Correlation-Id"] = correlation_id(request)
    return response


async def read(runtime: ServiceRuntime, body: Callable[[Connection], Awaitable[Any]]) -> Any:
    """A query; a domain refusal (e.g. not found) becomes a problem document."""
    async with runtime.pool.acquire() as conn:
        try:
            return await body(conn)
        except DomainError as error:
            raise problem_of(error) from error
