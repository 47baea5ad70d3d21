"""HTTP API of assistants: register, assign to a client's grant, unassign (rules.md §6)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field

from services.decisions.api import models as m
from services.decisions.api.support import (
    Body,
    Caseworker,
    CaseworkerCommand,
    Note,
    PersonalCode,
    Reply,
    Runtime,
    Text,
    command_route,
)
from services.decisions.assistant.domain import (
    AssistantCommand,
    ChangePaymentDetails,
    RegisterAssistant,
    UnassignAssistant,
    normalize_iban,
)
from services.decisions.handlers.assistants import (
    Assign,
    register_assistant,
    run_assistant,
)
from services.decisions.read_models.queries import assignments, get_assistant, list_assistants
from shared.clock import riga_today
from shared.contracts.decisions import (
    AssistantAssigned,
    AssistantRegistered,
    AssistantUnassigned,
)
from shared.events.envelope import new_event_id
from shared.http.commands import CommandContext
from shared.http.problems import Problem
from shared.rules import TaxStatus
from shared.store.types import Connection

router = APIRouter(prefix="/municipalities/{municipality}", tags=["assistants"])

Name = Annotated[str, Field(min_length=1, max_length=200)]
Iban = Annotated[str, AfterValidator(normalize_iban)]  # rules.md §8.3, a ValueError if bad

# rules.md §6.2. "employee" is accepted as a short form of the rules' "employee_like".
TAX_STATUS = {
    "employee": TaxStatus.EMPLOYEE_LIKE,
    "employee_like": TaxStatus.EMPLOYEE_LIKE,
    "self_employed": TaxStatus.SELF_EMPLOYED,
}


async def _recorded(
    ctx: CommandContext,
    body: BaseModel,
    command: Callable[[Connection], Awaitable[list[BaseModel]]],
) -> JSONResponse:
    """Run ``command`` as an idempotent HTTP command: 201 with the event it recorded."""

    async def run(conn: Connection) -> Reply:
        events = await command(conn)
        return 201, events[0].model_dump(mode="json")

    return await ctx.run(body, run)


async def _on_assistant(
    ctx: CommandContext, assistant_id: str, body: BaseModel, command: AssistantCommand | Assign
) -> JSONResponse:
    """Run ``command`` on the assistant as an idempotent HTTP command: 201 with its event."""
    store, municipality, context = ctx.runtime.store, ctx.municipality, ctx.events
    return await _recorded(
        ctx,
        body,
        lambda conn: run_assistant(conn, store, assistant_id, municipality, command, context),
    )


class AssistantBody(Body):
    personal_code: PersonalCode = Field(description="Either format, hyphen optional (rules.md §10)")
    first_name: Name
    last_name: Name
    iban: Iban = Field(description="Checked with schwifty (rules.md §8.3)")
    tax_status: Literal["employee", "employee_like", "self_employed"]
    experience: Text = Field(
        description="Work or personal experience with persons with disabilities (rules.md §6.1)"
    )
    tax_book_held: bool = Field(
        default=False,
        description="The electronic tax book (algas nodokļa grāmatiņa) is with this "
        "municipality: its payments apply the monthly non-taxable minimum",
    )


@command_route(router, "/assistants", AssistantRegistered)
async def register(
    ctx: CaseworkerCommand,
    body: AssistantBody,
) -> JSONResponse:
    """Register an assistant: ``AssistantRegistered``; one registration per person."""
    context = ctx.events
    registration = RegisterAssistant(
        assistant_id=new_event_id(),
        municipality=ctx.municipality,
        personal_code=body.personal_code,
        first_name=body.first_name,
        last_name=body.last_name,
        iban=body.iban,
        tax_status=TAX_STATUS[body.tax_status],
        experience=body.experience,
        today=riga_today(),
        tax_book_held=body.tax_book_held,
    )

    return await _recorded(
        ctx, body, lambda conn: register_assistant(conn, ctx.runtime.store, registration, context)
    )


class AssignmentBody(Body):
    case_id: Text
    assigned_from: date
    weekly_hours: Annotated[Decimal, Field(gt=0, le=40, allow_inf_nan=False)] | None = Field(
        default=None,
        description="This client's weekly hours the assistant serves; default: the whole grant",
    )


@command_route(router, "/assistants/{assistant_id}/assignments", AssistantAssigned)
async def assign(
    ctx: CaseworkerCommand,
    assistant_id: str,
    body: AssignmentBody,
) -> JSONResponse:
    """Assign to a client's grant from a date: ``AssistantAssigned`` (40 h/week, rules.md §6.1)."""
    wanted = Assign(new_event_id(), body.case_id, body.assigned_from, body.weekly_hours)
    return await _on_assistant(ctx, assistant_id, body, wanted)


class UnassignmentBody(Body):
    last_day: date = Field(description="Last day the assistant serves the client")
    reason: Note = ""


@command_route(
    router, "/assistants/{assistant_id}/assignments/{assignment_id}/end", AssistantUnassigned
)
async def unassign(
    ctx: CaseworkerCommand,
    assistant_id: str,
    assignment_id: str,
    body: UnassignmentBody,
) -> JSONResponse:
    """End an assignment: ``AssistantUnassigned``."""
    ending = UnassignAssistant(assignment_id, body.last_day, body.reason)
    return await _on_assistant(ctx, assistant_id, body, ending)


class PaymentDetailsBody(Body):
    iban: Iban | None = Field(default=None, description="Checked with schwifty (rules.md §8.3)")
    tax_status: Literal["employee", "employee_like", "self_employed"] | None = None
    tax_book_held: bool | None = None


@router.post(
    "/assistants/{assistant_id}/payment-details",
    status_code=201,
    responses={
        200: {"model": m.PaymentDetailsReply, "description": "Nothing differed"},
        201: {"model": m.PaymentDetailsReply},
    },
)
async def change_payment_details(
    ctx: CaseworkerCommand,
    assistant_id: str,
    body: PaymentDetailsBody,
) -> JSONResponse:
    """New IBAN, tax status or tax-book holder: ``AssistantPaymentDetailsChanged`` (rules.md §8).

    Only what differs is recorded; a body that changes nothing records nothing (200).
    """
    if body.iban is None and body.tax_status is None and body.tax_book_held is None:
        raise Problem(
            422,
            "Invalid request",
            "These fields are not valid: iban, tax_status, tax_book_held",
            errors=[
                {"field": name, "message": "give at least one of iban, tax_status, tax_book_held"}
                for name in ("iban", "tax_status", "tax_book_held")
            ],
        )
    context = ctx.events
    change = ChangePaymentDetails(
        today=riga_today(),
        iban=body.iban,
        tax_status=TAX_STATUS[body.tax_status] if body.tax_status is not None else None,
        tax_book_held=body.tax_book_held,
    )

    async def run(conn: Connection) -> Reply:
        events = await run_assistant(
            conn, ctx.runtime.store, assistant_id, ctx.municipality, change, context
        )
        if not events:
            return 200, {"assistant_id": assistant_id, "changed": False}
        return 201, {"changed": True} | events[0].model_dump(mode="json", exclude_none=True)

    return await ctx.run(body, run)


@router.get("/assistants", response_model=None, responses={200: {"model": m.AssistantList}})
async def assistants(municipality: str, _: Caseworker, runtime: Runtime) -> dict[str, Any]:
    async with runtime.pool.acquire() as conn:
        return {"items": await list_assistants(conn, municipality)}


@router.get(
    "/assistants/{assistant_id}", response_model=None, responses={200: {"model": m.AssistantOut}}
)
async def assistant(
    municipality: str, assistant_id: str, _: Caseworker, runtime: Runtime
) -> dict[str, Any]:
    """An assistant with their assignments (personal data: caseworkers only)."""
    async with runtime.pool.acquire() as conn:
        found = await get_assistant(conn, municipality, assistant_id)
        if found is None:
            raise Problem(404, "Not found", f"no assistant {assistant_id} in {municipality}")
        assigned = await assignments(conn, municipality, assistant_id=assistant_id)
    return found | {"assignments": assigned}
