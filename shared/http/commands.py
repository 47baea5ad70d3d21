"""The one FastAPI dependency of a command route (issue #8): so a route is "build the
command, execute it".

:func:`command_context` checks, in this order, what every command needs: a valid bearer
token (401), a municipality that exists (404) and that the token may act for with one of
the route's roles (403: ``auth.require``), and an ``Idempotency-Key`` (400: ``idempotency``);
it hands the route a :class:`CommandContext` with the runtime, the principal, the
municipality and the correlation id. Being dependencies, these checks are what the
contract layer (``contract.py``) reads: bearer security with the roles, the required
header and their error statuses in OpenAPI.

:meth:`CommandContext.execute` runs the shared pipeline (``shared/commands.py``) in one
transaction with the stored idempotent answer (``idempotency.run_command``): the events,
their outbox rows, the read models and the answer commit together or not at all, and a
retry with the same key gets the first answer. A ``DomainError`` rolls everything back and
is answered by the shared problem handlers (``problems.problem_of``).
"""

# No ``from __future__ import annotations``: FastAPI reads the annotations of the nested
# dependency below at run time, and ``Depends(access)`` names a local of its factory.

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.commands import Aggregate, Decide, Outcome, Projection, execute
from shared.errors import DomainError
from shared.events.envelope import new_event_id
from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.idempotency import checked_key, idempotency_key, run_command
from shared.http.problems import Problem, problem_of
from shared.runtime import ServiceRuntime
from shared.store.eventstore import EventContext
from shared.store.types import Connection

S = TypeVar("S")
Reply = tuple[int, dict[str, Any]]
Payload = BaseModel | dict[str, Any] | None
MAX_CORRELATION_ID = 200


def correlation_id(request: Request) -> str:
    """The caller's ``X-Correlation-Id`` (at most 200 characters), or one made for this
    request; the same for every call within one request (architecture.md §7)."""
    known: str | None = getattr(request.state, "correlation_id", None)
    if known is None:
        given = request.headers.get("X-Correlation-Id", "").strip()
        known = given[:MAX_CORRELATION_ID] if given else new_event_id()
        request.state.correlation_id = known
    return known


def event_context(request: Request, principal: Principal, municipality: str) -> EventContext:
    """Who and what causes a request's events: copied into every envelope."""
    return EventContext(
        municipality=municipality,
        correlation_id=correlation_id(request),
        actor=principal.actor,
    )


async def idempotent_command(
    runtime: ServiceRuntime,
    request: Request,
    municipality: str,
    payload: Any,
    work: Callable[[Connection], Awaitable[Reply]],
    *,
    problem: Callable[[DomainError], Problem] = problem_of,
) -> JSONResponse:
    """Run ``work`` in one transaction with the stored answer of the request's checked
    Idempotency-Key (keys are unique per service and municipality); a ``DomainError``
    rolls it back and is answered as ``problem`` maps it. ``payload``: the request body
    (a model, or JSON data) a replay must repeat."""
    checked_key(request.headers.get("Idempotency-Key"))

    async def refusing(conn: Connection) -> Reply:
        try:
            return await work(conn)
        except DomainError as error:
            raise problem(error) from error

    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    scope = f"{runtime.name}:{municipality}"
    response = await run_command(runtime.pool, request, scope, data, refusing)
    response.headers["X-Correlation-Id"] = correlation_id(request)
    return response


@dataclass(frozen=True)
class CommandContext:
    """Everything a command route needs besides its body, checked."""

    runtime: ServiceRuntime
    request: Request
    principal: Principal
    municipality: str
    correlation_id: str
    idempotency_key: str

    @property
    def events(self) -> EventContext:
        """Who and what causes the command's events: copied into every envelope."""
        return event_context(self.request, self.principal, self.municipality)

    async def run(
        self, payload: Payload, work: Callable[[Connection], Awaitable[Reply]]
    ) -> JSONResponse:
        """Run ``work`` in one transaction with the stored answer of the Idempotency-Key;
        for a command that is more than one aggregate's load/decide/append. ``payload``:
        what a replay must repeat (the body, or JSON data standing for it)."""
        return await idempotent_command(
            self.runtime, self.request, self.municipality, payload, work
        )

    async def execute(
        self,
        aggregate: Aggregate[S],
        stream_id: str,
        decide: Decide[S],
        *,
        payload: Payload,
        reply: Callable[[Outcome[S]], Reply],
        project: Projection | None = None,
        new_stream: bool = False,
    ) -> JSONResponse:
        """The pipeline (``shared.commands.execute``) as an idempotent HTTP command;
        ``reply`` makes the answer (status, body) from what the command did."""

        async def work(conn: Connection) -> Reply:
            outcome = await execute(
                self.runtime.store,
                conn,
                self.events,
                aggregate,
                stream_id,
                decide,
                project=project,
                new_stream=new_stream,
            )
            return reply(outcome)

        return await self.run(payload, work)


def command_context(
    *roles: Role,
) -> Callable[..., Coroutine[Any, Any, CommandContext]]:
    """The dependency of a command route open to ``roles``; a service names it once, e.g.
    ``CaseworkerCommand = Annotated[CommandContext, Depends(command_context(Role.CASEWORKER))]``.
    """
    access = require(*roles)

    async def dependency(
        request: Request,
        municipality: str,
        principal: Annotated[Principal, Depends(access)],
        runtime: Annotated[ServiceRuntime, Depends(runtime_of)],
        key: Annotated[str, Depends(idempotency_key)],
    ) -> CommandContext:
        return CommandContext(
            runtime=runtime,
            request=request,
            principal=principal,
            municipality=municipality,
            correlation_id=correlation_id(request),
            idempotency_key=key,
        )

    return dependency
