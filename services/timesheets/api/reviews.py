"""The caseworker's side: approve (possibly fewer hours, or overriding a finding with a
reason), reject with reason codes, reopen for correction (rules.md §7.1–7.2); and the
overdue check. An assistant may also reopen their own rejected report to fix it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from services.timesheets.api import models as m
from services.timesheets.api.support import Body, CaseworkerCommand
from services.timesheets.api.target import CaseworkerCall, ReopenerCall
from services.timesheets.domain.approval import Requested
from services.timesheets.domain.errors import IllegalTransition, invalid
from services.timesheets.domain.report import (
    Approve,
    Checks,
    Reject,
    Reopen,
    Report,
    ReportState,
    Status,
)
from services.timesheets.report.overdue import mark_overdue_reports
from shared.clock import riga_today
from shared.contracts.timesheets import Override
from shared.http.auth import Role
from shared.http.commands import Reply
from shared.http.problems import problem_of
from shared.store.types import Connection

router = APIRouter(prefix="/municipalities/{municipality}", tags=["review"])
REPORT = "/assignments/{assignment_id}/timesheets/{month}"
Reason = Annotated[str, Field(min_length=1, max_length=500)]


class EntryHours(Body):
    index: int = Field(ge=0)
    hours: Annotated[Decimal, Field(ge=0, le=24, allow_inf_nan=False)]
    reason: Annotated[str, Field(max_length=500)] = ""


class OverrideBody(Body):
    code: Annotated[str, Field(min_length=1, max_length=60)]
    day: date | None = None
    reason: Reason


class ApproveBody(Body):
    entries: list[EntryHours] = Field(
        default_factory=list, description="Fewer hours for some entries, each with a reason"
    )
    overrides: list[OverrideBody] = Field(
        default_factory=list, description="Findings approved anyway, each with a reason"
    )


@router.post(f"{REPORT}/approve", responses={200: {"model": m.ReportOut}})
async def approve(body: ApproveBody, call: CaseworkerCall) -> JSONResponse:
    """``TimesheetApproved`` (first time) or ``TimesheetCorrected`` (after a reopening)."""
    indexes = [e.index for e in body.entries]
    if len(set(indexes)) != len(indexes):
        raise problem_of(invalid("entries", "each entry index at most once"))
    requested = {e.index: Requested(e.hours, e.reason) for e in body.entries}
    overrides = [Override(code=o.code, day=o.day, reason=o.reason) for o in body.overrides]

    def approval(checks: Checks, state: ReportState) -> Approve:
        if state.report is None:
            raise IllegalTransition("nothing was reported for this month yet")
        return Approve(riga_today(), checks, requested, overrides)

    return await call.run_checked(body, approval)


class RejectBody(Body):
    reasons: Annotated[list[str], Field(min_length=1)] = Field(
        description="Finding codes (rules.md §7.2) or REJECTED_OTHER"
    )


@router.post(f"{REPORT}/reject", responses={200: {"model": m.ReportOut}})
async def reject(body: RejectBody, call: CaseworkerCall) -> JSONResponse:
    """``TimesheetRejected`` with reason codes; the report can then be reopened and fixed."""

    return await call.run(body, lambda _report, _state: Reject(riga_today(), body.reasons))


@router.post(f"{REPORT}/reopen", responses={200: {"model": m.ReportOut}})
async def reopen(call: ReopenerCall) -> JSONResponse:
    """``TimesheetReopened``: a new version as a draft. Assistants: only a rejected report."""

    def reopening(_: Report, state: ReportState) -> Reopen:
        if call.ctx.principal.role is Role.ASSISTANT and state.status is not Status.REJECTED:
            raise IllegalTransition("an assistant reopens only a rejected report")
        return Reopen(riga_today())

    return await call.run({}, reopening)


class OverdueCheckBody(Body):
    today: date | None = Field(default=None, description="Latvian date; default: today")


@router.post("/timesheets/overdue-check", responses={200: {"model": m.OverdueCheckOut}})
async def overdue_check(body: OverdueCheckBody, ctx: CaseworkerCommand) -> JSONResponse:
    """Run the due-day check now for this municipality (the service runs it by itself too)."""
    today = body.today or riga_today()

    async def run(conn: Connection) -> Reply:
        marked = await mark_overdue_reports(
            conn, ctx.runtime.store, today, ctx.municipality, ctx.principal.actor
        )
        return 200, {"today": today.isoformat(), "marked": marked}

    return await ctx.run(body, run)
