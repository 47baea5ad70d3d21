"""Caseworkers' commands on cases (rules.md §3–5): assess, decide, change, tasks, overdue."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from services.decisions.api import models as m
from services.decisions.api.support import (
    Body,
    CaseworkerCommand,
    Hours,
    Note,
    Reply,
    Text,
    decision_reply,
)
from services.decisions.case.commands import (
    AmendGrant,
    CloseTask,
    Decide,
    ExtendDeadline,
    ForwardApplication,
    RecordAssessment,
    RefuseForResidence,
    RequestInformation,
    ResumeService,
    SuspendService,
    TerminateService,
)
from services.decisions.case.grant_terms import AssessmentFacts
from services.decisions.case.hearing import HearingRecord
from services.decisions.handlers.cases import case_command, mark_overdue_cases
from shared.clock import riga_today
from shared.contracts.decisions import (
    DatedFact,
    Hearing,
    HearingException,
    SuspensionReason,
    TerminationReason,
)
from shared.events.envelope import new_event_id
from shared.store.types import Connection

router = APIRouter(prefix="/municipalities/{municipality}", tags=["cases"])


class HeardBody(Body):
    """APL 62, legal.md §2: an unfavourable act (a refusal, a reduction, an interruption, a
    termination other than on the person's own withdrawal) needs one of these, else 409."""

    hearing: Hearing | None = Field(
        default=None,
        description="How, when and by when the person's view was asked, the view, and how "
        "it was weighed",
    )
    hearing_exception: HearingException | None = Field(
        default=None, description="The APL 62(2) exception under which the person was not heard"
    )
    person_view: Note = Field(
        default="", description="The person's view and how it was weighed (legal.md §3 item 7)"
    )

    def heard(self) -> HearingRecord:
        return HearingRecord(self.hearing, self.hearing_exception)


class ChangeBody(HeardBody):
    dated_fact: DatedFact | None = Field(
        default=None,
        description="The dated fact (a stay, a move, the end of the disability status) an "
        "unfavourable change starting before today follows (issue #17 item 5)",
    )


class InformationRequestBody(Body):
    institution: Text
    subject: Text
    requested_on: date | None = None


@router.post(
    "/cases/{case_id}/information-requests",
    status_code=201,
    responses={201: {"model": m.InformationRequestReply}},
)
async def request_information(
    ctx: CaseworkerCommand,
    case_id: str,
    body: InformationRequestBody,
) -> JSONResponse:
    """Record a request to an institution (rules.md §5.4): it does not move the deadline."""
    request_id = new_event_id()
    return await case_command(
        ctx,
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


@router.post(
    "/cases/{case_id}/assessment", status_code=201, responses={201: {"model": m.AssessmentReply}}
)
async def record_assessment(
    ctx: CaseworkerCommand,
    case_id: str,
    body: AssessmentFacts,
) -> JSONResponse:
    """Record the verified facts (rules.md §3–4) the decision will rest on."""
    return await case_command(
        ctx,
        case_id,
        body,
        lambda: RecordAssessment(body, riga_today()),
        lambda _, events: {"assessment": events[0].model_dump(mode="json")},
    )


class DecisionBody(HeardBody):
    period_start: date = Field(
        description="First day of the grant; the age on it makes an adult or a child. The "
        "rule set is the one in force today, the day of the decision (rules.md §2)"
    )
    period_end: date | None = Field(default=None, description="Default: the longest allowed")
    hours: Hours | None = Field(default=None, description="Default: what the rules allow")
    reduction_reason: Note | None = None


@router.post(
    "/cases/{case_id}/decision", status_code=201, responses={201: {"model": m.DecisionReply}}
)
async def decide(
    ctx: CaseworkerCommand,
    case_id: str,
    body: DecisionBody,
) -> JSONResponse:
    """Grant (``HoursGranted``) or refuse (``ApplicationRefused``) on the assessment."""
    return await case_command(
        ctx,
        case_id,
        body,
        lambda: Decide(
            body.period_start,
            body.period_end,
            body.hours,
            body.reduction_reason,
            riga_today(),
            body.person_view,
            body.heard(),
        ),
        decision_reply,
    )


class AmendmentBody(ChangeBody):
    effective_from: date
    reason: Text
    period_end: date | None = None
    hours: Hours | None = None
    reduction_reason: Note | None = None
    assessment: AssessmentFacts | None = Field(
        default=None, description="New verified facts; default: the recorded ones"
    )


@router.post(
    "/cases/{case_id}/amendments", status_code=201, responses={201: {"model": m.DecisionReply}}
)
async def amend(
    ctx: CaseworkerCommand,
    case_id: str,
    body: AmendmentBody,
) -> JSONResponse:
    """Change a grant after a change of circumstances (rules.md §5.5): ``GrantAmended``."""
    return await case_command(
        ctx,
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
            body.person_view,
            body.heard(),
            body.dated_fact,
        ),
        decision_reply,
    )


class SuspensionBody(ChangeBody):
    reason: SuspensionReason
    suspended_from: date
    note: Note = ""


@router.post(
    "/cases/{case_id}/suspension", status_code=201, responses={201: {"model": m.DecisionReply}}
)
async def suspend(
    ctx: CaseworkerCommand,
    case_id: str,
    body: SuspensionBody,
) -> JSONResponse:
    """Suspend for an institution, hospital or prison stay (rules.md §3.3)."""
    return await case_command(
        ctx,
        case_id,
        body,
        lambda: SuspendService(
            body.reason,
            body.suspended_from,
            body.note,
            riga_today(),
            body.person_view,
            body.heard(),
            body.dated_fact,
        ),
        decision_reply,
    )


class ResumptionBody(Body):
    resumed_on: date
    note: Note = ""


@router.post(
    "/cases/{case_id}/resumption", status_code=201, responses={201: {"model": m.DecisionReply}}
)
async def resume(
    ctx: CaseworkerCommand,
    case_id: str,
    body: ResumptionBody,
) -> JSONResponse:
    return await case_command(
        ctx,
        case_id,
        body,
        lambda: ResumeService(body.resumed_on, body.note, riga_today()),
        decision_reply,
    )


class TerminationBody(ChangeBody):
    reason: TerminationReason
    terminated_from: date = Field(description="First day without the service")
    note: Note = ""


@router.post(
    "/cases/{case_id}/termination", status_code=201, responses={201: {"model": m.DecisionReply}}
)
async def terminate(
    ctx: CaseworkerCommand,
    case_id: str,
    body: TerminationBody,
) -> JSONResponse:
    """End the grant (rules.md §5.6)."""
    return await case_command(
        ctx,
        case_id,
        body,
        lambda: TerminateService(
            body.reason,
            body.terminated_from,
            body.note,
            riga_today(),
            body.person_view,
            body.heard(),
            body.dated_fact,
        ),
        decision_reply,
    )


class ExtensionBody(Body):
    new_deadline: date = Field(description="At most four months from receipt (APL 64(2))")
    reason: Text = Field(description="The objective reason the facts need longer")


@router.post(
    "/cases/{case_id}/deadline-extension",
    status_code=201,
    responses={201: {"model": m.DecisionReply}},
)
async def extend_deadline(
    ctx: CaseworkerCommand,
    case_id: str,
    body: ExtensionBody,
) -> JSONResponse:
    """Extend the decision deadline (APL 64(2), legal.md §6): ``DeadlineExtended`` and a
    written notice to the applicant; the overdue check uses the new deadline."""
    return await case_command(
        ctx,
        case_id,
        body,
        lambda: ExtendDeadline(body.new_deadline, body.reason, riga_today()),
        decision_reply,
    )


class ResidenceRefusalBody(HeardBody):
    declared_municipality: str = Field(
        min_length=1, max_length=40, description="Slug of the ctx.municipality of the residence"
    )


@router.post(
    "/cases/{case_id}/residence-refusal",
    status_code=201,
    responses={201: {"model": m.DecisionReply}},
)
async def refuse_for_residence(
    ctx: CaseworkerCommand,
    case_id: str,
    body: ResidenceRefusalBody,
) -> JSONResponse:
    """Refuse because the declared residence is in another ctx.municipality (rules.md §3.5):
    ``ApplicationRefused`` with ``RESIDENCE_ELSEWHERE`` and its legal basis."""
    return await case_command(
        ctx,
        case_id,
        body,
        lambda: RefuseForResidence(
            body.declared_municipality, riga_today(), body.person_view, body.heard()
        ),
        decision_reply,
    )


class ForwardingBody(Body):
    to_municipality: str = Field(
        min_length=1, max_length=40, description="Slug of the ctx.municipality of the residence"
    )


@router.post(
    "/cases/{case_id}/forwarding", status_code=201, responses={201: {"model": m.ForwardingReply}}
)
async def forward(
    ctx: CaseworkerCommand,
    case_id: str,
    body: ForwardingBody,
) -> JSONResponse:
    """Forward the application to the ctx.municipality of the declared residence instead of
    refusing it (rules.md §3.5): ``ApplicationForwarded``, and the case closes."""
    return await case_command(
        ctx,
        case_id,
        body,
        lambda: ForwardApplication(body.to_municipality, riga_today()),
        lambda _, events: {"forwarded": events[0].model_dump(mode="json")},
    )


class CloseTaskBody(Body):
    resolution: Text


@router.post(
    "/cases/{case_id}/tasks/{task_id}/close",
    status_code=201,
    responses={201: {"model": m.TaskClosedReply}},
)
async def close_task(
    ctx: CaseworkerCommand,
    case_id: str,
    task_id: str,
    body: CloseTaskBody,
) -> JSONResponse:
    return await case_command(
        ctx,
        case_id,
        body,
        lambda: CloseTask(task_id, body.resolution, riga_today()),
        lambda _, events: {"task": events[0].model_dump(mode="json")},
    )


class OverdueCheckBody(Body):
    today: date | None = Field(default=None, description="Latvian date; default: today")


@router.post("/cases/overdue-check", responses={200: {"model": m.OverdueCheckOut}})
async def overdue_check(
    ctx: CaseworkerCommand,
    body: OverdueCheckBody | None = None,
) -> JSONResponse:
    """Record ``DecisionOverdue`` for every undecided case past its deadline (rules.md §5.4).

    The background job does the same every few minutes; a case is reported once only.
    """
    body = body or OverdueCheckBody()
    today = body.today or riga_today()
    correlation = ctx.correlation_id

    async def run(conn: Connection) -> Reply:
        marked = await mark_overdue_cases(
            conn, ctx.runtime.store, today, ctx.municipality, ctx.principal.actor, correlation
        )
        return 200, {"today": today.isoformat(), "marked": marked}

    return await ctx.run(body, run)
