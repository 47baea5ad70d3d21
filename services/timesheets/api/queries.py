"""Views: the caseworker's month by status, one report, and the assistant's month."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from services.timesheets.api import models as m
from services.timesheets.api.support import (
    AssistantOrCaseworker,
    Caseworker,
    Runtime,
    is_own_assistant,
    reachable,
)
from services.timesheets.api.target import Month, ReaderCall
from services.timesheets.report.views import assistant_month, month_reports, report_view
from shared.clock import riga_today
from shared.http.auth import Role
from shared.http.params import MONTH
from shared.http.problems import Problem
from shared.rules.tables import RULE_SETS

router = APIRouter(prefix="/municipalities/{municipality}", tags=["views"])
MonthQuery = Annotated[str, Query(pattern=MONTH)]
# The weekly limit comes from the rule set of the day (rules.md §2): none before the first.
FIRST_DAY = RULE_SETS[0].in_force_from
LAST_DAY = date(2999, 12, 25)  # the week of any day up to here is a date too
Status = Literal["missing", "draft", "submitted", "attested", "approved", "rejected", "overdue"]


@router.get("/timesheets", response_model=None, responses={200: {"model": m.MonthOut}})
async def month(
    municipality: str,
    month: MonthQuery,
    _: Caseworker,
    runtime: Runtime,
    status: Status | None = None,
) -> dict[str, Any]:
    """Every assignment's report of the month, by status, with its findings."""
    async with runtime.pool.acquire() as conn:
        items = await month_reports(conn, municipality, month, status)
    counts: dict[str, int] = {}
    for item in items:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    return {"month": month, "counts": counts, "items": items}


@router.get(
    "/assignments/{assignment_id}/timesheets/{month}",
    response_model=None,
    responses={200: {"model": m.ReportOut}},
)
async def report(call: ReaderCall) -> dict[str, Any]:
    """One report: entries, findings (with reason codes), history."""
    async with call.runtime.pool.acquire() as conn:
        # A refusal (404: not yours) is answered by the shared DomainError handler.
        assignment = await reachable(conn, call.principal, call.municipality, call.assignment_id)
        return await report_view(conn, assignment, call.month)


@router.get(
    "/assistants/{assistant_id}/timesheets/{month}",
    response_model=None,
    responses={200: {"model": m.AssistantMonthOut}},
)
async def my_month(
    municipality: str,
    assistant_id: str,
    month: Month,
    principal: AssistantOrCaseworker,
    runtime: Runtime,
    today: Annotated[
        date | None,
        Query(
            ge=FIRST_DAY,
            le=LAST_DAY,
            description="The day whose week is counted; default: today in Riga",
        ),
    ] = None,
) -> dict[str, Any]:
    """The assistant's month across all clients and municipalities; this week's hours left."""
    async with runtime.pool.acquire() as conn:
        if principal.role is Role.ASSISTANT and not await is_own_assistant(
            conn, principal, assistant_id
        ):
            raise Problem(404, "Not found", f"no assistant {assistant_id} of yours")
        if principal.role is Role.CASEWORKER:
            known = await conn.fetchval(
                "select true from known_assistants where assistant_id = $1 and municipality = $2",
                assistant_id,
                municipality,
            )
            if not known:
                raise Problem(404, "Not found", f"no assistant {assistant_id} in {municipality}")
        return await assistant_month(conn, assistant_id, month, today or riga_today())
