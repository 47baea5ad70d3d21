"""Events published by timesheets (architecture.md §2): the assistants' monthly time reports.

One aggregate writes them: the *time report* of one assistant for one client (one
assignment) and one month, stream ``timesheet-<timesheet id>``. ``month`` is the Latvian
calendar month of the work, ``"YYYY-MM"``. Hours are exact decimals; days are Latvian
calendar days; start and end are Riga wall times (00:00 as an end means the midnight that
ends the day).

Personal data (legal.md §8, architecture.md §9, issue #9): events name people by
``assistant_id`` and ``case_id`` only: no personal code, name or IBAN. The free text they
carry is marked ``Personal("free_text", subject="case_id")`` and travels encrypted with the
client's key (the case id is linked to the client by ``CaseOpened``): the assistant's notes
on entries (``TimesheetDrafted``) and the caseworker's reasons for a reduction or an
approved finding (``Reduction``, ``Override``). Erasing the client makes them read
"erased"; hours, days, activities and reason codes stay clear.

Payments pay from ``TimesheetApproved`` (first approval) and ``TimesheetCorrected`` (a
later version: the new approved days and the signed difference per day and activity).
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from shared.events.personal import Personal
from shared.events.registry import event, registry

SERVICE = "timesheets"

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

# Free text a caseworker or an assistant writes about the client's care (issue #9): sealed
# with the client's key, reached through the case id (architecture.md §9).
CaseText = Annotated[str, Personal("free_text", subject="case_id")]


class ReportedEntry(BaseModel):
    """One stretch of work as the assistant reported it (rules.md §7.1)."""

    day: date
    start: time
    end: time = Field(description="00:00 ends the day")
    activity: str = Field(description="An activity kind or purpose the grant covers")
    hours: Decimal = Field(ge=0, description="Real time worked (summer-time aware)")


class Finding(BaseModel):
    """A check of rules.md §7.2 that an entry or a week failed (shared.rules FindingCode)."""

    code: str
    day: date | None = None
    entry_index: int | None = Field(default=None, description="Index in the entries, if one")
    detail: str = Field(default="", description="Plain explanation, no personal data")


class ApprovedDay(BaseModel):
    """Hours that count for pay: one day and activity (the unit payments price by day)."""

    day: date
    activity: str
    hours: Decimal = Field(description="Non-negative when approved; signed in a difference")


class Override(BaseModel):
    """A finding approved anyway, with the caseworker's recorded reason (rules.md §7.2)."""

    code: str
    day: date | None = None
    reason: CaseText


class Reduction(BaseModel):
    """Fewer hours approved than reported for one entry, with the reason (rules.md §7.2)."""

    entry_index: int
    reported_hours: Decimal
    approved_hours: Decimal
    reason: CaseText


class EntryNote(BaseModel):
    """The assistant's note on one entry: free text, sealed with the client's key."""

    entry_index: int = Field(ge=0, description="Index in the entries")
    note: CaseText


@event(SERVICE, version=2, personal_data=True)
class TimesheetDrafted(BaseModel):
    """The assistant saved the month's entries as a draft (whole month; notes are free text).

    v2 (issue #9): ``notes`` is a list of :class:`EntryNote` instead of v1's mapping
    ``{entry index: note}``, so each note is a marked field that is sealed; v1 events are
    upcast (:func:`_drafted_v1_to_v2`).
    """

    timesheet_id: str
    assistant_id: str
    case_id: str
    assignment_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    entries: list[ReportedEntry]
    notes: list[EntryNote] = Field(default_factory=list, description="Notes of some entries")

    def notes_by_entry(self) -> dict[int, str]:
        """Entry index -> note, the shape the report and its read model use."""
        return {n.entry_index: n.note for n in self.notes}


@registry.upcaster(SERVICE, "TimesheetDrafted", from_version=1)
def _drafted_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1's ``notes`` ``{"<index>": note}`` (JSON keys are strings) as v2's list."""
    notes = data.get("notes") or {}
    listed = [{"entry_index": int(i), "note": n} for i, n in sorted(notes.items(), key=_index)]
    return {**data, "notes": listed}


def _index(item: tuple[str, Any]) -> int:
    return int(item[0])


@event(SERVICE)
class TimesheetSubmitted(BaseModel):
    """The assistant submitted the month's report; findings of rules.md §7.2 are attached."""

    timesheet_id: str
    assistant_id: str
    case_id: str
    assignment_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    version: int = Field(ge=1, description="1, then +1 after each reopening or correction")
    submitted_on: date
    entries: list[ReportedEntry]
    reported_hours: Decimal
    findings: list[Finding]


@event(SERVICE)
class TimesheetAttested(BaseModel):
    """The client or representative confirmed the days the service was given (rules.md §7.1)."""

    timesheet_id: str
    assistant_id: str
    case_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    version: int = Field(ge=1)
    attested_on: date
    attested_by: Literal["client", "representative"]
    days: list[date]


@event(SERVICE)
class TimesheetApproved(BaseModel):
    """The caseworker approved the report (rules.md §7.1): the hours that count for pay."""

    timesheet_id: str
    assistant_id: str
    case_id: str
    assignment_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    version: int = Field(ge=1)
    approved_on: date
    reported_hours: Decimal
    approved_hours: Decimal = Field(description="Sum of days; never above reported or grant")
    days: list[ApprovedDay]
    reductions: list[Reduction] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)


@event(SERVICE)
class TimesheetRejected(BaseModel):
    """The caseworker rejected the report with reason codes; the assistant may fix it."""

    timesheet_id: str
    assistant_id: str
    case_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    version: int = Field(ge=1)
    rejected_on: date
    reasons: list[str] = Field(min_length=1, description="Finding codes or REJECTED_OTHER")


@event(SERVICE)
class TimesheetReopened(BaseModel):
    """A submitted, rejected or approved report was reopened for correction."""

    timesheet_id: str
    assistant_id: str
    case_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    version: int = Field(ge=1, description="The new version now being drafted")
    reopened_on: date


@event(SERVICE)
class TimesheetCorrected(BaseModel):
    """An approved report was approved again in a new version: the new days and the difference.

    ``difference`` is new minus previously approved, per day and activity (signed), so
    payments pay (or recover) exactly the difference.
    """

    timesheet_id: str
    assistant_id: str
    case_id: str
    assignment_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    version: int = Field(ge=2)
    corrected_on: date
    approved_hours: Decimal
    days: list[ApprovedDay]
    difference_hours: Decimal
    difference: list[ApprovedDay]
    reductions: list[Reduction] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)


@event(SERVICE)
class TimesheetOverdue(BaseModel):
    """No report was submitted for an assignment's month by the due day. Once per report."""

    timesheet_id: str
    assistant_id: str
    case_id: str
    assignment_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    due_on: date
    detected_on: date
