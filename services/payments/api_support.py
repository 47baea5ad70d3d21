"""What every payments route shares: the finance role, idempotent commands, queries.

Every route is under ``/municipalities/{municipality}/`` and needs a ``finance`` token of
that municipality (another municipality's token gets 403, an unknown municipality 404).
Commands take a :class:`~shared.http.commands.CommandContext` (``FinanceCommand``): it
checks the token and the ``Idempotency-Key``, and ``ctx.run`` runs the command in one
transaction with the key's stored answer, so a retry gets the first answer and a refusal
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends

from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.commands import CommandContext, command_context
from shared.runtime import ServiceRuntime
from shared.store.types import Connection

Finance = Annotated[Principal, Depends(require(Role.FINANCE))]
FinanceCommand = Annotated[CommandContext, Depends(command_context(Role.FINANCE))]
Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]


async def read(runtime: ServiceRuntime, body: Callable[[Connection], Awaitable[Any]]) -> Any:
    """A query; a domain refusal (e.g. not found) becomes a problem document (the shared
    problem handlers)."""
    async with runtime.pool.acquire() as conn:
        return await body(conn)
