"""Caseworkers' commands on cases (rules.md §3–5): assess, decide, change, tasks, overdue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import Field

from services.decisions.api import models as m
from services.decisions.api.support import (
    Body,
    CaseCommands,
    Hours,
    Note,
    RouteT,
    Text,
    case_commands,
    command_route,
    decision_reply,
)
from services.decisions.case.commands import (
    CloseTask,
    ExtendDeadline,
    ForwardApplication,
    RecordAssessment,
    RequestInformation,
    ResumeService,
    SuspendService,
    TerminateService,
)
from services.decisions.case.decide import CaseCommand
from services.decisions.case.grant_terms import AssessmentFacts
from services.decisions.case.grants import AmendGrant, Decide, RefuseForResidence
from services.decisions.case.hearing import Heard, HeardReachingBack, HearingRecord
from shared.contracts.decisions import (
    DatedFact,
    Hearing,
    HearingException,
    SuspensionReason,
    TerminationReason,
)
from shared.events.envelope import new_event_id

HeardT = TypeVar("HeardT", bound=Heard)
ReachingBackT = TypeVar("ReachingBackT", bound=HeardReachingBack)
router = APIRouter(prefix="/municipalities/{municipality}", tags=["cases"])
# Every route here: the checked command context and the case handlers app.py bound.
Cases = Annotated[CaseCommands[CaseCommand], Depends(case_commands)]


def decision_route(path: str) -> Callable[[RouteT], RouteT]:
    """A command that records an act: 201 with the act (``DecisionReply``)."""
    return command_route(router, path, m.DecisionReply)


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

    def heard(self, command: HeardT) -> HeardT:
        """``command`` with the hearing and the person's view of this body."""
        hearing = HearingRecord(self.hearing, self.hearing_exception)
        return replace(command, person_view=self.person_view, hearing=hearing)


class ChangeBody(HeardBody):
    dated_fact: DatedFact | None = Field(
        default=None,
        description="The dated fact (a stay, a move, the end of the disability status) an "
        "unfavourable change starting before today follows (issue #17 item 5)",
    )

    def changed(self, command: ReachingBackT) -> ReachingBackT:
        """``command`` heard, with the dated fact it follows."""
        return replace(self.heard(command), dated_fact=self.dated_fact)


class InformationRequestBody(Body):
    institution: Text
    subject: Text
    requested_on: date | None = None


@command_route(router, "/cases/{case_id}/information-requests", m.InformationRequestReply)
async def request_information(
    cases: Cases,
    case_id: str,
    body: InformationRequestBody,
) -> JSONResponse:
    """Record a request to an institution (rules.md §5.4): it does not move the deadline."""
    request_id = new_event_id()
    return await cases.run(
        case_id,
        body,
        lambda today: RequestInformation(
            request_id, body.institution, body.subject, body.requested_on or today
        ),
        lambda state, _: {
            "request_id": request_id,
            "decision_deadline": state.opened.decision_deadline.isoformat()
            if state.opened
            else None,
        },
    )


@command_route(router, "/cases/{case_id}/assessment", m.AssessmentReply)
async def record_assessment(
    cases: Cases,
    case_id: str,
    body: AssessmentFacts,
) -> JSONResponse:
    """Record the verified facts (rules.md §3–4) the decision will rest on."""
    return await cases.run(
        case_id,
        body,
        lambda today: RecordAssessment(body, today),
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

    def command(self, today: date) -> Decide:
        return self.heard(
            Decide(self.period_start, self.period_end, self.hours, self.reduction_reason, today)
        )


@decision_route("/cases/{case_id}/decision")
async def decide(cases: Cases, case_id: str, body: DecisionBody) -> JSONResponse:
    """Grant (``HoursGranted``) or refuse (``ApplicationRefused``) on the assessment."""
    return await cases.run(case_id, body, body.command, decision_reply)


class AmendmentBody(ChangeBody):
    effective_from: date
    reason: Text
    period_end: date | None = None
    hours: Hours | None = None
    reduction_reason: Note | None = None
    assessment: AssessmentFacts | None = Field(
        default=None, description="New verified facts; default: the recorded ones"
    )

    def command(self, today: date) -> AmendGrant:
        return self.changed(
            AmendGrant(
                self.effective_from,
                self.period_end,
                self.hours,
                self.reduction_reason,
                self.reason,
                self.assessment,
                today,
            )
        )


@decision_route("/cases/{case_id}/amendments")
async def amend(cases: Cases, case_id: str, body: AmendmentBody) -> JSONResponse:
    """Change a grant after a change of circumstances (rules.md §5.5): ``GrantAmended``."""
    return await cases.run(case_id, body, body.command, decision_reply)


class SuspensionBody(ChangeBody):
    reason: SuspensionReason
    suspended_from: date
    note: Note = ""

    def command(self, today: date) -> SuspendService:
        return self.changed(SuspendService(self.reason, self.suspended_from, self.note, today))


@decision_route("/cases/{case_id}/suspension")
async def suspend(cases: Cases, case_id: str, body: SuspensionBody) -> JSONResponse:
    """Suspend for an institution, hospital or prison stay (rules.md §3.3)."""
    return await cases.run(case_id, body, body.command, decision_reply)


class ResumptionBody(Body):
    resumed_on: date
    note: Note = ""


@decision_route("/cases/{case_id}/resumption")
async def resume(cases: Cases, case_id: str, body: ResumptionBody) -> JSONResponse:
    return await cases.run(
        case_id,
        body,
        lambda today: ResumeService(body.resumed_on, body.note, today),
        decision_reply,
    )


class TerminationBody(ChangeBody):
    reason: TerminationReason
    terminated_from: date = Field(description="First day without the service")
    note: Note = ""

    def command(self, today: date) -> TerminateService:
        return self.changed(TerminateService(self.reason, self.terminated_from, self.note, today))


@decision_route("/cases/{case_id}/termination")
async def terminate(cases: Cases, case_id: str, body: TerminationBody) -> JSONResponse:
    """End the grant (rules.md §5.6)."""
    return await cases.run(case_id, body, body.command, decision_reply)


class ExtensionBody(Body):
    new_deadline: date = Field(description="At most four months from receipt (APL 64(2))")
    reason: Text = Field(description="The objective reason the facts need longer")


@decision_route("/cases/{case_id}/deadline-extension")
async def extend_deadline(
    cases: Cases,
    case_id: str,
    body: ExtensionBody,
) -> JSONResponse:
    """Extend the decision deadline (APL 64(2), legal.md §6): ``DeadlineExtended`` and a
    written notice to the applicant; the overdue check uses the new deadline."""
    return await cases.run(
        case_id,
        body,
        lambda today: ExtendDeadline(body.new_deadline, body.reason, today),
        decision_reply,
    )


class ResidenceRefusalBody(HeardBody):
    declared_municipality: str = Field(
        min_length=1, max_length=40, description="Slug of the municipality of the residence"
    )


@decision_route("/cases/{case_id}/residence-refusal")
async def refuse_for_residence(
    cases: Cases,
    case_id: str,
    body: ResidenceRefusalBody,
) -> JSONResponse:
    """Refuse because the declared residence is in another municipality (rules.md §3.5):
    ``ApplicationRefused`` with ``RESIDENCE_ELSEWHERE`` and its legal basis."""
    return await cases.run(
        case_id,
        body,
        lambda today: body.heard(RefuseForResidence(body.declared_municipality, today)),
        decision_reply,
    )


class ForwardingBody(Body):
    to_municipality: str = Field(
        min_length=1, max_length=40, description="Slug of the municipality of the residence"
    )


@command_route(router, "/cases/{case_id}/forwarding", m.ForwardingReply)
async def forward(cases: Cases, case_id: str, body: ForwardingBody) -> JSONResponse:
    """Forward the application to the municipality of the declared residence instead of
    refusing it (rules.md §3.5): ``ApplicationForwarded``, and the case closes."""
    return await cases.run(
        case_id,
        body,
        lambda today: ForwardApplication(body.to_municipality, today),
        lambda _, events: {"forwarded": events[0].model_dump(mode="json")},
    )


class CloseTaskBody(Body):
    resolution: Text


@command_route(router, "/cases/{case_id}/tasks/{task_id}/close", m.TaskClosedReply)
async def close_task(
    cases: Cases,
    case_id: str,
    task_id: str,
    body: CloseTaskBody,
) -> JSONResponse:
    return await cases.run(
        case_id,
        body,
        lambda today: CloseTask(task_id, body.resolution, today),
        lambda _, events: {"task": events[0].model_dump(mode="json")},
    )


class OverdueCheckBody(Body):
    today: date | None = Field(default=None, description="Latvian date; default: today")


@router.post("/cases/overdue-check", responses={200: {"model": m.OverdueCheckOut}})
async def overdue_check(
    cases: Cases,
    body: OverdueCheckBody | None = None,
) -> JSONResponse:
    """Record ``DecisionOverdue`` for every undecided case past its deadline (rules.md §5.4).

    The background job does the same every few minutes; a case is reported once only.
    """
    body = body or OverdueCheckBody()
    return await cases.sweep(cases.handlers.overdue, body, body.today, "marked")
