"""What every payments route shares: the finance role, idempotent commands, problems.

Every route is under ``/municipalities/{municipality}/`` and needs a ``finance`` token of
that municipality (another municipality's token gets 403, an unknown municipality 404).
Commands need an ``Idempotency-Key`` and run in one transaction (``idempotent_command``):
a retry gets the first answer, a refusal leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.commands import event_context, idempotent_command
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
    """Run ``body`` as an idempotent command (shared/http/commands.py); a domain refusal
    becomes a problem document."""
    return await idempotent_command(runtime, request, municipality, payload, body)


async def read(runtime: ServiceRuntime, body: Callable[[Connection], Awaitable[Any]]) -> Any:
    """A query; a domain refusal (e.g. not found) becomes a problem document (the shared
    problem handlers)."""
    async with runtime.pool.acquire() as conn:
        return await body(conn)
