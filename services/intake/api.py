"""HTTP API of intake: commands (submit, documents, withdrawal, circumstances) and queries.

Every route is under ``/municipalities/{municipality}`` and needs a caseworker token of that
municipality. Commands need an ``Idempotency-Key``: a retry returns the first response, and
the events, read models and stored response commit in one transaction (architecture.md §5).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, create_model

from services.intake import domain, projections
from services.intake import http_models as models
from services.intake.errors import ApplicationNotFound
from services.intake.keys import prepare_keys
from shared.clock import riga_today
from shared.commands import Outcome
from shared.contracts import intake as ic
from shared.events.envelope import new_event_id
from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.commands import CommandContext, Reply, command_context
from shared.http.params import MAX_OFFSET
from shared.rules import decision_deadline
from shared.runtime import ServiceRuntime

# 401 without a valid token, 404 for an unknown municipality, 403 for another's (require).
Caseworker = Annotated[Principal, Depends(require(Role.CASEWORKER))]
CaseworkerCommand = Annotated[CommandContext, Depends(command_context(Role.CASEWORKER))]
Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
Respond = Callable[[Outcome[domain.Application]], BaseModel]
F = TypeVar("F", bound=Callable[..., Any])


async def today() -> date:
    """``riga_today`` as an ``async`` dependency: FastAPI runs a plain ``def`` one in a
    worker thread, a thread hop per request (issue #14)."""
    return riga_today()


Today = Annotated[date, Depends(today)]

router = APIRouter(prefix="/municipalities/{municipality}/applications", tags=["applications"])


class _Queued(BaseModel):
    delivery: str = Field(description="queued")
    delivery_status: str = Field(description="Path of the application's delivery status")


def command_route(path: str, status: int, model: type[BaseModel]) -> Callable[[F], F]:
    """A command's route: ``POST path`` answering ``status`` with ``model``, or 202."""
    return router.post(path, status_code=status, responses=answers(status, model))


def answers(status: int, model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """The command's answer, and the 202 it becomes while the bus is down (``_queued``)."""
    queued = create_model(f"{model.__name__}Queued", __base__=(model, _Queued))
    return {
        status: {"model": model},
        202: {
            "model": queued,
            "description": "Recorded, but the bus is down: decisions sees it once it is back",
        },
    }


@command_route("", 201, models.SubmittedOut)
async def submit_application(
    body: models.SubmitIn, ctx: CaseworkerCommand, today: Today
) -> JSONResponse:
    """Register a written application (rules.md §5.1–5.2); 201 with its id and Location."""
    received_on = body.received_on or today
    command = domain.SubmitApplication(
        application_id=new_event_id(),  # a UUIDv7 too: ids sort by time of submission
        today=today,
        received_on=received_on,
        channel=body.channel,
        applicant=body.applicant.to_contract(),
        representative=body.representative.to_contract() if body.representative else None,
        activities=[a.to_contract() for a in body.activities],
        receives_vision_benefit=body.receives_vision_benefit,
        weekly_medical_procedures=body.weekly_medical_procedures,
        preferred_assistant=body.preferred_assistant,
        requested_start=body.requested_start,
        purposes=[p.to_contract() for p in body.purposes],
        functional_limitations=body.functional_limitations,
        car_adaptation_indications=body.car_adaptation_indications,
        group1_since_childhood_special_care=body.group1_since_childhood_special_care,
        dialysis_or_stage_iv_cancer_therapy=body.dialysis_or_stage_iv_cancer_therapy,
    )

    def respond(outcome: Outcome[domain.Application]) -> BaseModel:
        return models.SubmittedOut(
            application_id=command.application_id,
            status=domain.Status.SUBMITTED,
            received_on=received_on,
            decision_due_on=decision_deadline(received_on),
            version=outcome.version,
        )

    response = await _execute(ctx, body, command, 201, respond)
    if response.status_code in (201, 202):  # also on a replay: the stored body has the id
        application_id = json.loads(bytes(response.body))["application_id"]
        response.headers["Location"] = _path(ctx.municipality, application_id)
    return response


@command_route("/{application_id}/documents", 201, models.DocumentOut)
async def add_document(
    application_id: str, body: models.DocumentIn, ctx: CaseworkerCommand, today: Today
) -> JSONResponse:
    """Attach a document of rules.md §5.3; 409 when the application was withdrawn."""
    fields = dict(body) | {
        "content_sha256": body.content_sha256.lower(),
        "received_on": body.received_on or today,
    }
    document = ic.ApplicationDocumentAdded(
        application_id=_known_id(application_id), document_id=new_event_id(), **fields
    )
    command = domain.AddDocument(document, today)
    return await _execute(ctx, body, command, 201, _recorded(models.DocumentOut))


@command_route("/{application_id}/withdrawal", 200, models.WithdrawnOut)
async def withdraw_application(
    application_id: str, body: models.WithdrawalIn, ctx: CaseworkerCommand, today: Today
) -> JSONResponse:
    """Record a written withdrawal (rules.md §5.6); a second withdrawal is a 409."""
    withdrawal = ic.ApplicationWithdrawn(
        application_id=_known_id(application_id),
        withdrawn_on=body.withdrawn_on or today,
        reason=body.reason,
    )
    command = domain.WithdrawApplication(withdrawal, today)

    def respond(outcome: Outcome[domain.Application]) -> BaseModel:
        data = outcome.envelopes[-1].data
        return models.WithdrawnOut(status=domain.Status.WITHDRAWN, version=outcome.version, **data)

    return await _execute(ctx, body, command, 200, respond)


@command_route("/{application_id}/circumstances", 201, models.ChangeOut)
async def report_circumstances(
    application_id: str, body: models.CircumstancesIn, ctx: CaseworkerCommand, today: Today
) -> JSONResponse:
    """Record a change of circumstances the client reported (rules.md §5.5)."""
    change = ic.CircumstancesReported(
        application_id=_known_id(application_id), report_id=new_event_id(), **dict(body)
    )
    command = domain.ReportCircumstances(change, today)
    return await _execute(ctx, body, command, 201, _recorded(models.ChangeOut))


@router.get("", response_model=models.ApplicationPage)
async def list_applications(
    municipality: str,
    principal: Caseworker,
    runtime: Runtime,
    status: models.ApplicationStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> models.ApplicationPage:
    """This municipality's applications, newest received first."""
    async with runtime.pool.acquire() as conn:
        total, rows = await projections.list_applications(
            conn, municipality, status.value if status else None, limit, offset
        )
    items = [models.ApplicationSummary(**_summary(row)) for row in rows]
    return models.ApplicationPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{application_id}", response_model=models.ApplicationDetail)
async def read_application(
    municipality: str, application_id: str, principal: Caseworker, runtime: Runtime
) -> models.ApplicationDetail:
    """One application with its documents and reported changes; another municipality's: 404."""
    async with runtime.pool.acquire() as conn:
        view = await projections.get_application(conn, municipality, _known_id(application_id))
    if view is None:
        raise ApplicationNotFound(application_id)
    submission = view.pop("submission")  # the ApplicationSubmitted data as recorded
    return models.ApplicationDetail(**{**submission, **_summary(view)})


@router.get("/{application_id}/delivery", response_model=models.DeliveryOut)
async def delivery_status(
    municipality: str, application_id: str, principal: Caseworker, runtime: Runtime
) -> models.DeliveryOut:
    """Whether the application's events reached the bus (so decisions sees them): issue #19."""
    async with runtime.pool.acquire() as conn:
        if await projections.get_application(conn, municipality, _known_id(application_id)) is None:
            raise ApplicationNotFound(application_id)
        waiting = await conn.fetchval(
            "select count(*) from outbox o join events e using (position)"
            " where e.stream_id = $1 and o.published_at is null",
            domain.stream_id(_known_id(application_id)),
        )
    return models.DeliveryOut(
        application_id=_known_id(application_id),
        delivery="queued" if waiting else "published",
        unpublished_events=waiting,
        bus_available=runtime.bus_available(),
    )


# ---- helpers -----------------------------------------------------------------------------


async def _execute(
    ctx: CommandContext, body: BaseModel, command: domain.Command, status: int, respond: Respond
) -> JSONResponse:
    """Run ``command`` through the shared pipeline (shared/http/commands.py); while the bus
    is down, its answer becomes a 202 that says where to follow the delivery."""
    # Key-bucket round trips before a pooled connection is taken, not while holding it.
    await prepare_keys(ctx.runtime.store, command, ctx.events)

    def reply(outcome: Outcome[domain.Application]) -> Reply:
        return status, respond(outcome).model_dump(mode="json")

    response = await ctx.execute(
        domain.APPLICATION,
        domain.stream_id(command.application_id),
        lambda state: domain.decide(command, state),
        payload=body,
        reply=reply,
        project=projections.project_many,
        # A new submission's id is a UUIDv7 of this request: there is no stream to read.
        new_stream=isinstance(command, domain.SubmitApplication),
    )
    if response.status_code < 300 and not ctx.runtime.bus_available():
        response = _queued(response, ctx.municipality, command.application_id)
    return response


def _recorded(model: type[BaseModel]) -> Respond:
    """The answer that is the recorded event itself (a document, a change)."""
    return lambda outcome: model.model_validate(outcome.envelopes[-1].data)


def _path(municipality: str, application_id: str) -> str:
    return f"/municipalities/{municipality}/applications/{application_id}"


def _queued(response: JSONResponse, municipality: str, application_id: str) -> JSONResponse:
    """202 instead of 201/200 while the bus is down (issue #19).

    The command is recorded (its events sit in the outbox and go out when NATS is back),
    but the decisions service cannot see it yet; the caseworker is told so, and where to
    look. A replay while the bus is down answers 202 too, once it is up the stored status.
    """
    body = json.loads(bytes(response.body))
    body["delivery"] = "queued"
    body["delivery_status"] = f"{_path(municipality, application_id)}/delivery"
    queued = JSONResponse(body, status_code=202)
    for name, value in response.headers.items():
        if name.lower() not in ("content-length", "content-type"):
            queued.headers[name] = value
    return queued


def _known_id(application_id: str) -> str:
    """The canonical form of a UUID; anything else cannot be an application (404, not 422)."""
    try:
        return str(uuid.UUID(application_id))
    except ValueError:
        raise ApplicationNotFound(application_id) from None


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["applicant_name"] = f"{row.pop('first_name')} {row.pop('last_name')}"
    return row
