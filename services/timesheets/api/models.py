"""The shapes of the timesheets API's answers, for its OpenAPI description (issue #18).

The answers are built in ``report/views.py``; these models describe them and the contract
test (tests/contract) checks every answer against them. Hours are decimal text (exact),
days ISO dates, times Riga wall time ``HH:MM``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Status = str


class _Out(BaseModel):
    # A client must ignore fields it does not know: answers may grow.
    model_config = ConfigDict(extra="allow")


class EntryOut(_Out):
    index: int = Field(ge=0)
    day: date
    start: str = Field(description="HH:MM, Riga wall time")
    end: str = Field(description="HH:MM, Riga wall time; 00:00 ends the day")
    activity: str
    hours: str | None
    approved_hours: str | None
    note: str


class HistoryOut(_Out):
    sequence: int
    event: str = Field(description="The event, e.g. TimesheetSubmitted")
    actor: str
    version: int | None
    data: dict[str, Any]


class ReportOut(_Out):
    """One assignment's report of a month; ``missing`` (nothing reported) has only the
    head, status and empty lists."""

    timesheet_id: str
    assignment_id: str
    assistant_id: str
    case_id: str
    month: str
    status: Status = Field(
        description="missing, draft, submitted, attested, approved, rejected or overdue"
    )
    entries: list[EntryOut]
    findings: list[dict[str, Any]] = Field(description="Checks of rules.md §7.2, with codes")
    history: list[HistoryOut]
    version: int | None = None
    reported_hours: str | None = None
    approved_hours: str | None = None
    submitted_on: str | None = None
    attested_on: str | None = None
    attested_by: str | None = None
    approved_on: str | None = None
    overdue: bool | None = None
    due_on: str | None = None
    rejection_reasons: list[Any] | None = None


class MonthItemOut(_Out):
    assignment_id: str
    assistant_id: str
    case_id: str
    timesheet_id: str | None
    status: Status
    version: int | None
    reported_hours: str | None
    approved_hours: str | None
    submitted_on: str | None
    finding_codes: list[str]
    findings: list[dict[str, Any]]


class MonthOut(_Out):
    month: str
    counts: dict[str, int] = Field(description="Status -> how many reports")
    items: list[MonthItemOut]


class ClientMonthOut(_Out):
    assignment_id: str
    case_id: str
    municipality: str
    timesheet_id: str | None
    status: Status
    reported_hours: str | None
    approved_hours: str | None


class WeekOut(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    from_: date = Field(alias="from")
    to: date
    reported_hours: str
    limit_hours: str = Field(description="The assistant's weekly limit (rules.md §6.1)")
    hours_left: str


class AssistantMonthOut(_Out):
    assistant_id: str
    month: str
    clients: list[ClientMonthOut]
    week: WeekOut


class OverdueCheckOut(_Out):
    today: date
    marked: list[str] = Field(description="Reports recorded as overdue now")
