"""HTTP API of cases: caseworkers' commands and queries (architecture.md §1, §5).

Every route is under ``/municipalities/{municipality}/`` and needs a caseworker token of that
municipality (another municipality's token gets 403; the ministry sees no personal data
here). Every command runs through ``run_command``: one transaction with its
``Idempotency-Key``, so a retry gets the first answer and a refusal leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.decisions import documents
from services.decisions.case_domain import (
    AmendGrant,
    CaseCommand,
    CloseTask,
    Decide,
    RecordAssessment,
    RequestInformation,
    ResumeService,
    SuspendService,
    TerminateService,
)
from services.decisions.case_state import CaseState, CaseStatus, Decision
from services.decisions.domain import DomainError, IllegalTransition, InvalidCommand, NotFound
from services.decisions.grant_terms import AssessmentFacts
from services.decisions.handlers import load_case, mark_overdue_cases, riga_today, run_case
from services.decisions.queries import assignments, list_cases, list_tasks
from services.decisions.views import case_view, decision_view
from shared.contracts.decisions import SuspensionReason, TerminationReason
from shared.events.envelope import new_event_id
from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.idempotency import run_command
from shared.http.problems import Problem
from shared.municipalities import get_municipality
from shared.runtime import ServiceRuntime
from shared.store.eventstore import EventContext
from shared.store.types import Connection

router = APIRouter(prefix="/municipalities/{municipality}", tags=["cases"])

Caseworker = Annotated[Principal, Depends(require(Role.CASEWORKER))]
Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
Reply = tuple[int, dict[str, Any]]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Note = Annotated[str, Field(max_length=2000)]
Hours = Annotated[Decimal, Field(gt=0, le=744, allow_inf_nan=False)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def problem_of(error: DomainError) -> Problem:
    if isinstance(error, InvalidCommand):
        errors = [
            {"field": e.field, "message": e.message, "type": (e.code or "invalid").lower()}
            | ({"code": e.code} if e.code else {})
            for e in error.errors
        ]
        fields = ", ".join(e.field for e in error.errors)
        return Problem(
            422, "Invalid request", f"These fields are not valid: {fields}", errors=errors
        )
    if isinstance(error, NotFound):
        return Problem(404, "Not found", str(error))
    if isinstance(error, IllegalTransition):
        return Problem(409, "Not allowed now", str(error))
    return Problem(400, "Refused", str(error))


def context_of(request: Request, principal: Principal, municipality: str) -> EventContext:
    return EventContext(
        municipality=municipality,
        correlation_id=request.headers.get("X-Correlation-Id") or new_event_id(),
        actor=principal.actor,
    )


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
    key = request.headers.get("Idempotency-Key", "")
    if not 1 <= len(key) <= 200:
        raise Problem(
            400,
            "Idempotency-Key required",
            "send an Idempotency-Key header (1–200 characters), unique per command",
            errors=[{"field": "Idempotency-Key", "message": "missing or too long"}],
        )

    async def run(conn: Connection) -> Reply:
        try:
            return await body(conn)
        except DomainError as error:
            raise problem_of(error) from error

    data = None if payload is None else payload.model_dump(mode="json")
    return await run_command(runtime.pool, request, f"decisions:{municipality}", data, run)


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


# Commands -------------------------------------------------------------------------------


class InformationRequestBody(Body):
    institution: Text
    subject: Text
    requested_on: date | None = None


@router.post("/cases/{case_id}/information-requests", status_code=201)
async def request_information(
    municipality: str,
    case_id: str,
    body: InformationRequestBody,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
) -> JSONResponse:
    """Record a request to an institution (rules.md §5.4): it does not move the deadline."""
    request_id = new_event_id()
    return await case_command(
        runtime,
        request,
        principal,
        municipality,
        case_id,
        body,
        lambda: RequestInformation(
            request_id, body.institution, body.subject, body.requested_on or riga_today()
        ),
        lambda state, _: {
            "request_id": request_id,
            "decision_deadline": state.opened.decision_deadline.isoformat()
            if state.opened
            else None,
        },
    )


@router.post("/cases/{case_id}/assessment", status_code=201)
async def record_assessment(
    municipality: str,
    case_id: str,
    body: AssessmentFacts,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
) -> JSONResponse:
    """Record the verified facts (rules.md §3–4) the decision will rest on."""
    return await case_command(
        runtime,
        request,
        principal,
        municipality,
        case_id,
        body,
        lambda: RecordAssessment(body, riga_today()),
        lambda _, events: {"assessment": events[0].model_dump(mode="json")},
    )


class DecisionBody(Body):
    period_start: date
    period_end: date | None = Field(default=None, description="Default: the longest allowed")
    hours: Hours | None = Field(default=None, description="Default: what the rules allow")
    reduction_reason: Note | None = None


@router.post("/cases/{case_id}/decision", status_code=201)
async def decide(
    municipality: str,
    case_id: str,
    body: DecisionBody,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
) -> JSONResponse:
    """Grant (``HoursGranted``) or refuse (``ApplicationRefused``) on the assessment."""
    return await case_command(
        runtime,
        request,
        principal,
        municipality,
        case_id,
        body,
        lambda: Decide(
            body.period_start, body.period_end, body.hours, body.reduction_reason, riga_today()
        ),
        decision_reply,
    )


class AmendmentBody(Body):
    effective_from: date
    reason: Text
    period_end: date | None = None
    hours: Hours | None = None
    reduction_reason: Note | None = None
    assessment: AssessmentFacts | None = Field(
        default=None, description="New verified facts; default: the recorded ones"
    )


@router.post("/cases/{case_id}/amendments", status_code=201)
async def amend(
    municipality: str,
    case_id: str,
    body: AmendmentBody,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
) -> JSONResponse:
    """Change a grant after a change of circumstances (rules.md §5.5): ``GrantAmended``."""
    return await case_command(
        runtime,
        request,
        principal,
        municipality,
        case_id,
        body,
        lambda: AmendGrant(
            body.effective_from,
            body.period_end,
            body.hours,
            body.reduction_reason,
            body.reason,
            body.assessment,
            riga_today(),
        ),
        decision_reply,
    )


class SuspensionBody(Body):
    reason: SuspensionReason
    suspended_from: date
    note: Note = ""


@router.post("/cases/{case_id}/suspension", status_code=201)
async def suspend(
    municipality: str,
    case_id: str,
    body: SuspensionBody,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
) -> JSONResponse:
    """Suspend for an institution, hospital or prison stay (rules.md §3.3)."""
    return await case_command(
        runtime,
        request,
        principal,
        municipality,
        case_id,
        body,
        lambda: SuspendService(body.reason, body.suspended_from, body.note, riga_today()),
        decision_reply,
    )


class ResumptionBody(Body):
    resumed_on: date
    note: Note = ""


@router.post("/cases/{case_id}/resumption", status_code=201)
async def resume(
    municipality: str,
    case_id: str,
    body: ResumptionBody,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
) -> JSONResponse:
    return await case_command(
        runtime,
        request,
        principal,
        municipality,
        case_id,
        body,
        lambda: ResumeService(body.resumed_on, body.note, riga_today()),
        decision_reply,
    )


class TerminationBody(Body):
    reason: TerminationReason
    terminated_from: date = Field(description="First day without the service")
    note: Note = ""


@router.post("/cases/{case_id}/termination", status_code=201)
async def terminate(
    municipality: str,
    case_id: str,
    body: TerminationBody,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
) -> JSONResponse:
    """End the grant (rules.md §5.6)."""
    return await case_command(
        runtime,
        request,
        principal,
        municipality,
        case_id,
        body,
        lambda: TerminateService(body.reason, body.terminated_from, body.note, riga_today()),
        decision_reply,
    )


class CloseTaskBody(Body):
    resolution: Text


@router.post("/cases/{case_id}/tasks/{task_id}/close", status_code=201)
async def close_task(
    municipality: str,
    case_id: str,
    task_id: str,
    body: CloseTaskBody,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
) -> JSONResponse:
    return await case_command(
        runtime,
        request,
        principal,
        municipality,
        case_id,
        body,
        lambda: CloseTask(task_id, body.resolution, riga_today()),
        lambda _, events: {"task": events[0].model_dump(mode="json")},
    )


class OverdueCheckBody(Body):
    today: date | None = Field(default=None, description="Latvian date; default: today")


@router.post("/cases/overdue-check")
async def overdue_check(
    municipality: str,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
    body: OverdueCheckBody | None = None,
) -> JSONResponse:
    """Record ``DecisionOverdue`` for every undecided case past its deadline (rules.md §5.4).

    The background job does the same every few minutes; a case is reported once only.
    """
    body = body or OverdueCheckBody()
    today = body.today or riga_today()
    correlation = request.headers.get("X-Correlation-Id") or new_event_id()

    async def run(conn: Connection) -> Reply:
        marked = await mark_overdue_cases(
            conn, runtime.store, today, municipality, principal.actor, correlation
        )
        return 200, {"today": today.isoformat(), "marked": marked}

    return await command(runtime, request, municipality, body, run)


# Queries --------------------------------------------------------------------------------


@router.get("/cases")
async def cases(
    municipality: str,
    _: Caseworker,
    runtime: Runtime,
    status: CaseStatus | None = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Cases by status and overdue (``?status=open&overdue=true``), by deadline."""
    async with runtime.pool.acquire() as conn:
        items = await list_cases(
            conn,
            municipality,
            status=status.value if status else None,
            overdue=overdue,
            today=riga_today(),
            limit=limit,
            offset=offset,
        )
    return {"items": items, "limit": limit, "offset": offset}


async def _case(runtime: ServiceRuntime, municipality: str, case_id: str) -> CaseState:
    async with runtime.pool.acquire() as conn:
        try:
            state, _ = await load_case(conn, runtime.store, case_id, municipality)
        except DomainError as error:
            raise problem_of(error) from error
    return state


@router.get("/cases/{case_id}")
async def case(municipality: str, case_id: str, _: Caseworker, runtime: Runtime) -> dict[str, Any]:
    """The whole case: application data, documents, requests, assessment, decisions, tasks."""
    state = await _case(runtime, municipality, case_id)
    async with runtime.pool.acquire() as conn:
        assigned = await assignments(conn, municipality, case_id=case_id)
    return case_view(state, riga_today()) | {"assignments": assigned}


@router.get("/cases/{case_id}/tasks")
async def case_tasks(
    municipality: str,
    case_id: str,
    _: Caseworker,
    runtime: Runtime,
    status: Literal["open", "closed"] | None = None,
) -> dict[str, Any]:
    await _case(runtime, municipality, case_id)
    async with runtime.pool.acquire() as conn:
        return {"items": await list_tasks(conn, municipality, status, case_id)}


@router.get("/tasks")
async def tasks(
    municipality: str,
    _: Caseworker,
    runtime: Runtime,
    status: Literal["open", "closed"] | None = "open",
) -> dict[str, Any]:
    """The caseworkers' task list, e.g. reported changes of circumstances (rules.md §5.5)."""
    async with runtime.pool.acquire() as conn:
        return {"items": await list_tasks(conn, municipality, status)}


@router.get("/cases/{case_id}/decisions")
async def decisions(
    municipality: str, case_id: str, _: Caseworker, runtime: Runtime
) -> dict[str, Any]:
    state = await _case(runtime, municipality, case_id)
    return {"items": [decision_view(state, d) for d in state.decisions]}


def _decision(state: CaseState, number: int) -> Decision:
    if not 1 <= number <= len(state.decisions):
        raise Problem(404, "Not found", f"the case has no decision {number}")
    return state.decisions[number - 1]


@router.get("/cases/{case_id}/decisions/{number}")
async def decision(
    municipality: str, case_id: str, number: int, _: Caseworker, runtime: Runtime
) -> dict[str, Any]:
    state = await _case(runtime, municipality, case_id)
    return decision_view(state, _decision(state, number))


@router.get("/cases/{case_id}/decisions/{number}/document")
async def decision_document(
    municipality: str,
    case_id: str,
    number: int,
    _: Caseworker,
    runtime: Runtime,
    format: Literal["html", "txt"] = "html",
) -> Response:
    """The written decision in Latvian (rules.md §4.5, §5.7), HTML or plain text."""
    state = await _case(runtime, municipality, case_id)
    assert state.opened is not None
    doc = documents.build(get_municipality(municipality), state.opened, _decision(state, number))
    name = f"lemums-{case_id}-{number}.{format}"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    if format == "txt":
        text = documents.render_text(doc)
        return Response(text, media_type="text/plain; charset=utf-8", headers=headers)
    html = documents.render_html(doc)
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)
