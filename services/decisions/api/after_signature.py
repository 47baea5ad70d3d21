"""After the signature (issue #17; legal.md §2, §5, §6): notification and entry into force,
objections and the body's decision, applications left without progress, and cases that end
without an act. Same access, idempotency and problem documents as every decisions command.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.decisions.api.support import (
    Body,
    CaseCommands,
    Note,
    Text,
    case_commands,
    command_route,
)
from services.decisions.case import after_signature as case_after
from services.decisions.case.decide import CaseCommand
from services.decisions.case.state import CaseState
from services.decisions.settings import DecisionsSettings
from shared.contracts.decisions import (
    ActNotified,
    ApplicationLeftWithoutProgress,
    CaseEnded,
    CaseEndReason,
    DefectFixed,
    DefectKind,
    ObjectionDecided,
    ObjectionFiled,
    ObjectionOutcome,
)
from shared.events.envelope import new_event_id
from shared.rules.notification import NotificationMethod

router = APIRouter(prefix="/municipalities/{municipality}", tags=["after the signature"])
# Every route here: the checked command context and the case handlers app.py bound.
Cases = Annotated[CaseCommands[CaseCommand], Depends(case_commands)]


class CaseReply(BaseModel):
    case_id: str
    status: str = Field(description="The case's status after the command")


class NotificationReply(CaseReply):
    notification: ActNotified


class ObjectionReply(CaseReply):
    objection: ObjectionFiled


class ObjectionDecisionReply(CaseReply):
    objection_decision: ObjectionDecided


class DefectReply(CaseReply):
    left_without_progress: ApplicationLeftWithoutProgress


class DefectFixedReply(CaseReply):
    defect_fixed: DefectFixed


class CaseEndedReply(CaseReply):
    ended: CaseEnded


class GrantEndCheckReply(BaseModel):
    today: date
    ended: list[str] = Field(description="Cases whose grant reached its end date now")


def _first(key: str) -> Any:
    def reply(_: CaseState, events: list[BaseModel]) -> dict[str, Any]:
        return {key: events[0].model_dump(mode="json")}

    return reply


class NotificationBody(Body):
    method: NotificationMethod = Field(
        description="in_person, registered_letter, simple_letter, e_document (secure "
        "e-signature) or official_e_address"
    )
    sent_on: date = Field(description="The day it was handed over, posted or sent")


@command_route(router, "/cases/{case_id}/decisions/{number}/notification", NotificationReply)
async def notify(
    cases: Cases,
    case_id: str,
    number: int,
    body: NotificationBody,
) -> JSONResponse:
    """Record how the act was notified; the product computes the day it counts as notified,
    the day it takes effect (APL 70(1)) and the last day for an objection (APL 79(1)),
    with the counting rules of legal.md §6 (``ActNotified``)."""
    transferred = cases.ctx.municipality in DecisionsSettings().transferred_days_off
    return await cases.run(
        case_id,
        body,
        lambda today: case_after.NotifyAct(number, body.method, body.sent_on, transferred, today),
        _first("notification"),
    )


class ObjectionBody(Body):
    decision_number: int = Field(ge=1, description="The act objected to")
    filed_on: date
    filed_by: Text = Field(description="Who filed it: the person or the representative")


@command_route(router, "/cases/{case_id}/objections", ObjectionReply)
async def file_objection(cases: Cases, case_id: str, body: ObjectionBody) -> JSONResponse:
    """Record an objection (legal.md §5): a contested termination, interruption or reduction
    has no effect while it is pending (``ObjectionFiled`` with ``holds_back``); a contested
    refusal changes nothing."""
    objection_id = new_event_id()
    return await cases.run(
        case_id,
        body,
        lambda today: case_after.FileObjection(
            objection_id, body.decision_number, body.filed_on, body.filed_by, today
        ),
        _first("objection"),
    )


class ObjectionDecisionBody(Body):
    outcome: ObjectionOutcome
    decided_on: date = Field(description="When the body decided")
    body_reference: Text = Field(description="The body's decision: number and date")
    effect_from: date | None = Field(
        default=None,
        description="Upheld or changed: the first day the held-back act has effect (not "
        "before the body's decision)",
    )


@command_route(
    router, "/cases/{case_id}/objections/{objection_id}/decision", ObjectionDecisionReply
)
async def decide_objection(
    cases: Cases,
    case_id: str,
    objection_id: str,
    body: ObjectionDecisionBody,
) -> JSONResponse:
    """Record and apply the body's decision (legal.md §5 item 4): ``ObjectionDecided``."""
    return await cases.run(
        case_id,
        body,
        lambda today: case_after.DecideObjection(
            objection_id,
            body.outcome,
            body.decided_on,
            body.body_reference,
            body.effect_from,
            today,
        ),
        _first("objection_decision"),
    )


class DefectBody(Body):
    defect: DefectKind
    fix_by: date = Field(description="The term to fix the defect")
    note: Note = ""


@command_route(router, "/cases/{case_id}/defect", DefectReply)
async def leave_without_progress(
    cases: Cases,
    case_id: str,
    body: DefectBody,
) -> JSONResponse:
    """Leave the application without progress (APL 56(1.1), legal.md §6): the decision term
    stops until the defect is fixed."""
    return await cases.run(
        case_id,
        body,
        lambda today: case_after.LeaveWithoutProgress(body.defect, body.fix_by, body.note, today),
        _first("left_without_progress"),
    )


class DefectFixedBody(Body):
    fixed_on: date


@command_route(router, "/cases/{case_id}/defect-fixed", DefectFixedReply)
async def fix_defect(cases: Cases, case_id: str, body: DefectFixedBody) -> JSONResponse:
    """The defect is fixed: the one-month decision term runs from ``fixed_on``."""
    return await cases.run(
        case_id,
        body,
        lambda today: case_after.FixDefect(body.fixed_on, today),
        _first("defect_fixed"),
    )


class DeathBody(Body):
    died_on: date


@command_route(router, "/cases/{case_id}/death", CaseEndedReply)
async def record_death(cases: Cases, case_id: str, body: DeathBody) -> JSONResponse:
    """The person died: the grant lapses without an act (legal.md §2); the case closes and
    the assistants' assignments end that day (``CaseEnded``)."""
    return await cases.run(
        case_id,
        body,
        lambda today: case_after.EndCase(CaseEndReason.DEATH, body.died_on, today),
        _first("ended"),
    )


class GrantEndCheckBody(Body):
    today: date | None = Field(default=None, description="Latvian date; default: today")


@router.post("/cases/grant-end-check", response_model=GrantEndCheckReply)
async def grant_end_check(
    cases: Cases,
    body: GrantEndCheckBody | None = None,
) -> JSONResponse:
    """Close every case whose grant reached its end date before ``today`` (legal.md §2: the
    act ends by its own term, no document): ``CaseEnded``, assignments end that day."""
    body = body or GrantEndCheckBody()
    return await cases.sweep(cases.handlers.grant_ends, body, body.today, "ended")
