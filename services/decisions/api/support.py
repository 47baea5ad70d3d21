"""What every route of the decisions API shares: access, bodies, commands, problems;
``CaseCommands``, what a command route on cases runs (bound by app.py, handlers/ports.py).

Every route is under ``/municipalities/{municipality}/`` and needs a caseworker token of that
municipality (another municipality's token gets 403; the ministry sees no personal data
here). Every command route takes ``CaseworkerCommand`` (shared/http/commands.py) and runs
in one transaction with its ``Idempotency-Key`` (``ctx.run``), so a retry gets the first
answer and a refusal leaves nothing behind; refusals are answered by the shared problem
handlers (shared/http/problems.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.decisions.api.views import decision_view
from services.decisions.case.state import CaseState
from services.decisions.handlers.ports import CaseHandlers, CommandT, RunSweep
from shared.clock import riga_today
from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.commands import CommandContext, command_context
from shared.http.commands import correlation_id as correlation_id
from shared.rules import normalize_personal_code
from shared.runtime import ServiceRuntime
from shared.store.types import Connection

RouteT = TypeVar("RouteT", bound=Callable[..., Any])
Caseworker = Annotated[Principal, Depends(require(Role.CASEWORKER))]
# Every command route: the checked token, municipality, Idempotency-Key and correlation id.
CaseworkerCommand = Annotated[CommandContext, Depends(command_context(Role.CASEWORKER))]
Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
Reply = tuple[int, dict[str, Any]]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Note = Annotated[str, Field(max_length=2000)]
Hours = Annotated[Decimal, Field(gt=0, le=744, allow_inf_nan=False)]
# rules.md §10: either format, hyphen optional; stored in one (InvalidPersonalCode is a
# ValueError, so a bad one is a 422 naming the field).
PersonalCode = Annotated[str, AfterValidator(normalize_personal_code)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def command_route(
    router: APIRouter, path: str, answer: type[BaseModel]
) -> Callable[[RouteT], RouteT]:
    """A command route: 201 with ``answer``, the model OpenAPI describes (the route builds
    its JSON itself, as ``CaseCommands.run`` or ``CommandContext.run`` returns it)."""
    return router.post(path, status_code=201, responses={201: {"model": answer}})


def decision_reply(state: CaseState, events: list[BaseModel]) -> dict[str, Any]:
    decision = state.decisions[-1]
    return {"decision": decision_view(state, decision)}


@dataclass(frozen=True)
class CaseCommands(Generic[CommandT]):
    """A command route on cases: its checked ``CommandContext`` and what app.py bound to run
    the commands (handlers/ports.py); routes name it with their command type,
    ``CaseCommands[CaseCommand]``, through the dependency ``case_commands``."""

    ctx: CommandContext
    handlers: CaseHandlers[CommandT]

    async def run(
        self,
        case_id: str,
        payload: BaseModel | None,
        make: Callable[[date], CommandT],
        reply: Callable[[CaseState, list[BaseModel]], dict[str, Any]],
    ) -> JSONResponse:
        """Run the command ``make(today)`` on the case as an idempotent HTTP command (201),
        today being the Latvian date (the domain reads no clock); a domain refusal rolls it
        back and is answered by the shared problem handlers."""
        ctx = self.ctx

        async def work(conn: Connection) -> Reply:
            command = make(riga_today())
            state, events = await self.handlers.run(
                conn, ctx.runtime.store, case_id, command, ctx.events, ctx.municipality
            )
            return 201, {"case_id": case_id, "status": state.status.value} | reply(state, events)

        return await ctx.run(payload, work)

    async def sweep(
        self, sweep: RunSweep, payload: BaseModel | None, today: date | None, key: str
    ) -> JSONResponse:
        """A check over the municipality's cases as an idempotent HTTP command (200):
        ``{"today", key: [ids of the cases it changed]}``; ``today`` defaults to the Latvian
        date."""
        ctx, day = self.ctx, today or riga_today()

        async def work(conn: Connection) -> Reply:
            changed = await sweep(
                conn,
                ctx.runtime.store,
                day,
                ctx.municipality,
                ctx.principal.actor,
                ctx.correlation_id,
            )
            return 200, {"today": day.isoformat(), key: changed}

        return await ctx.run(payload, work)


def provide_case_handlers(app: FastAPI, handlers: CaseHandlers[Any]) -> None:
    """The composition root's binding: what ``case_commands`` gives every case route."""
    app.state.case_handlers = handlers


async def case_commands(ctx: CaseworkerCommand, request: Request) -> CaseCommands[Any]:
    """FastAPI dependency of a command route on cases (``async``: no thread hop)."""
    handlers: CaseHandlers[Any] = request.app.state.case_handlers
    return CaseCommands(ctx, handlers)
