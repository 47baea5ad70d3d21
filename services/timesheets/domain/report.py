"""The time-report aggregate: one assistant x one client (one assignment) x one month.

Lifecycle (rules.md §7.1): draft -> submitted -> (attested) -> approved, or -> rejected;
a submitted, rejected or approved report can be reopened as a new version (a draft), and a
report approved before is approved again as ``TimesheetCorrected`` carrying the
difference. ``TimesheetOverdue`` is recorded once when no version was submitted by the due
day. ``decide`` is a function of its arguments only: each command carries its date and
the inputs of the checks (rules.md §7.2, ``shared.rules.check_timesheet``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, TypedDict

from pydantic import BaseModel

from services.timesheets.domain.approval import (
    Requested,
    approve_hours,
    approved_days,
    difference,
)
from services.timesheets.domain.entries import EntryInput, entry_errors, reported, time_entries
from services.timesheets.domain.errors import IllegalTransition, InvalidCommand, invalid
from shared.aggregate import Aggregate, ByType, evolve_by_type
from shared.contracts.timesheets import (
    ApprovedDay,
    EntryNote,
    Finding,
    Override,
    ReportedEntry,
    TimesheetApproved,
    TimesheetAttested,
    TimesheetCorrected,
    TimesheetDrafted,
    TimesheetOverdue,
    TimesheetRejected,
    TimesheetReopened,
    TimesheetSubmitted,
)
from shared.rules import Finding as RuleFinding
from shared.rules import FindingCode, GrantWindow, TimeEntry, check_assignment, check_timesheet

STREAM_PREFIX = "timesheet-"
REJECTED_OTHER = "REJECTED_OTHER"
REJECTION_CODES = frozenset({*FindingCode, REJECTED_OTHER, "NOT_ATTESTED", "ILLEGIBLE"})


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ATTESTED = "attested"
    APPROVED = "approved"
    REJECTED = "rejected"


REVIEWABLE = frozenset({Status.SUBMITTED, Status.ATTESTED})


def stream_of(timesheet_id: str) -> str:
    return REPORT.stream(timesheet_id)


class ReportIds(TypedDict):
    """The ids every timesheet event carries (shared/contracts/timesheets.py)."""

    timesheet_id: str
    assistant_id: str
    case_id: str
    month: str


class AssignmentReportIds(ReportIds):
    """The ids of the events that also name the assignment."""

    assignment_id: str


@dataclass(frozen=True)
class Report:
    """Who the report is about: the assignment's ids and the month."""

    timesheet_id: str
    assistant_id: str
    case_id: str
    assignment_id: str
    month: str

    def ids(self) -> ReportIds:
        return ReportIds(
            timesheet_id=self.timesheet_id,
            assistant_id=self.assistant_id,
            case_id=self.case_id,
            month=self.month,
        )

    def assignment_ids(self) -> AssignmentReportIds:
        return AssignmentReportIds(**self.ids(), assignment_id=self.assignment_id)


@dataclass(frozen=True)
class ReportState:
    report: Report | None = None
    status: Status | None = None  # None: nothing written yet (perhaps overdue)
    version: int = 1
    entries: tuple[ReportedEntry, ...] = ()
    notes: dict[int, str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    submitted: bool = False  # some version was submitted (no longer overdue-able)
    approved: tuple[ApprovedDay, ...] = ()  # the last approved days (for corrections)
    ever_approved: bool = False
    overdue: bool = False


# ---- commands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Checks:
    """Inputs of rules.md §7.2: the client's grants, other known entries, the keys."""

    grants: Sequence[GrantWindow]
    context: Sequence[TimeEntry]
    person: str  # the same assistant in every municipality (matched by personal code)
    client: str  # the same client across cases
    assigned_from: date = date.min  # the assignment's first and last day (rules.md §6.2)
    assigned_until: date | None = None

    def entries(self, state: ReportState) -> list[TimeEntry]:
        return time_entries(state.entries, self.person, self.client)

    def not_assigned(self, entries: list[TimeEntry]) -> list[RuleFinding]:
        return check_assignment(entries, self.assigned_from, self.assigned_until)

    def findings(self, state: ReportState, today: date) -> list[RuleFinding]:
        entries = self.entries(state)
        found = self.not_assigned(entries) + check_timesheet(
            entries, self.grants, today, self.context
        )
        return sorted(found, key=lambda f: f.days[0] if f.days else today)


@dataclass(frozen=True)
class SaveDraft:
    report: Report
    entries: list[EntryInput]
    today: date


@dataclass(frozen=True)
class Submit:
    today: date
    checks: Checks


@dataclass(frozen=True)
class Attest:
    today: date
    by: Literal["client", "representative"]
    days: list[date] | None = None  # None: every day of the report


@dataclass(frozen=True)
class Approve:
    today: date
    checks: Checks
    requested: dict[int, Requested] = field(default_factory=dict)
    overrides: list[Override] = field(default_factory=list)


@dataclass(frozen=True)
class Reject:
    today: date
    reasons: list[str]


@dataclass(frozen=True)
class Reopen:
    today: date


@dataclass(frozen=True)
class MarkOverdue:
    report: Report
    due_on: date
    today: date


Command = SaveDraft | Submit | Attest | Approve | Reject | Reopen | MarkOverdue


# ---- evolve: one small function per event ----------------------------------------------

# Each event's function is registered with ``@evolves(EventType)`` over
# ``def name(state: ReportState, event: EventType) -> ReportState`` next to the rule that
# emits the event (below), as the rules are with ``@decides``; a test checks every
# timesheets event has its function.
EVOLVERS: ByType[Callable[[ReportState, Any], ReportState]] = ByType("an evolve function")
evolves = EVOLVERS.register


# The state after one more event (only ever one ``decide`` returned, so no checks); an
# event a report does not show leaves it as it is.
evolve = evolve_by_type(EVOLVERS)


def _report_of(event: TimesheetDrafted | TimesheetOverdue) -> Report:
    return Report(
        event.timesheet_id, event.assistant_id, event.case_id, event.assignment_id, event.month
    )


# ---- decide: one small function per command --------------------------------------------

# Each rule is registered with ``@decides(CommandType)`` over
# ``def name(command: CommandType, state: ReportState) -> TheEvent | None`` (shared/aggregate.py
# ``ByType``), so adding a command is its dataclass, its rule and the ``@evolves`` of its
# event, not also a case of a ``match`` elsewhere; a test checks every type of ``Command``
# has its rule. A command on a report causes one event at most (None: nothing changes,
# e.g. overdue recorded already).
RULES: ByType[Callable[[Any, ReportState], BaseModel | None]] = ByType("a rule")
decides = RULES.register


def decide(command: Command, state: ReportState) -> list[BaseModel]:
    """The events ``command`` causes on ``state`` (none or one), or a refusal."""
    event = RULES.of(type(command))(command, state)
    return [] if event is None else [event]


def _existing(state: ReportState) -> Report:
    if state.report is None or state.status is None:
        raise IllegalTransition("nothing was reported for this month yet")
    return state.report


def _needs(state: ReportState, allowed: frozenset[Status] | set[Status], doing: str) -> Report:
    report = _existing(state)
    if state.status not in allowed:
        raise IllegalTransition(f"a report that is {state.status} cannot be {doing}")
    return report


@decides(SaveDraft)
def draft(command: SaveDraft, state: ReportState) -> TimesheetDrafted:
    if state.status not in (None, Status.DRAFT):
        raise IllegalTransition(
            f"the report is {state.status}: only a draft can change (reopen it first)"
        )
    errors = entry_errors(command.entries, command.report.month)
    if errors:
        raise InvalidCommand(errors)
    report = state.report or command.report
    ordered = sorted(command.entries, key=lambda e: (e.day, e.start))
    return TimesheetDrafted(
        **report.assignment_ids(),
        entries=[reported(e) for e in ordered],
        notes=[EntryNote(entry_index=i, note=e.note) for i, e in enumerate(ordered) if e.note],
    )


@evolves(TimesheetDrafted)
def drafted(state: ReportState, event: TimesheetDrafted) -> ReportState:
    return replace(
        state,
        report=state.report or _report_of(event),
        status=Status.DRAFT,
        entries=tuple(event.entries),
        notes=event.notes_by_entry(),
        findings=(),
    )


def _finding(f: RuleFinding) -> Finding:
    return Finding(code=f.code, day=f.days[0] if f.days else None, detail=f.detail)


@decides(Submit)
def submit(command: Submit, state: ReportState) -> TimesheetSubmitted:
    """rules.md §7.2: a report with findings can be submitted; the findings go with it."""
    report = _needs(state, {Status.DRAFT}, "submitted")
    if not state.entries:
        raise invalid("entries", "a report needs at least one entry")
    findings = command.checks.findings(state, command.today)
    return TimesheetSubmitted(
        **report.assignment_ids(),
        version=state.version,
        submitted_on=command.today,
        entries=list(state.entries),
        reported_hours=sum((e.hours for e in state.entries), Decimal(0)),
        findings=[_finding(f) for f in findings],
    )


@evolves(TimesheetSubmitted)
def submitted(state: ReportState, event: TimesheetSubmitted) -> ReportState:
    return replace(
        state,
        status=Status.SUBMITTED,
        version=event.version,
        entries=tuple(event.entries),
        findings=tuple(event.findings),
        submitted=True,
    )


@decides(Attest)
def attest(command: Attest, state: ReportState) -> TimesheetAttested:
    """rules.md §7.1: the client or representative confirms the days the service was given."""
    report = _needs(state, REVIEWABLE, "attested")
    reported_days = sorted({e.day for e in state.entries})
    days = reported_days if command.days is None else sorted(set(command.days))
    unknown = [d for d in days if d not in reported_days]
    if unknown:
        raise invalid("days", f"not days of this report: {', '.join(map(str, unknown))}")
    if not days:
        raise invalid("days", "name at least one day")
    return TimesheetAttested(
        **report.ids(),
        version=state.version,
        attested_on=command.today,
        attested_by=command.by,
        days=days,
    )


@evolves(TimesheetAttested)
def attested(state: ReportState, _event: TimesheetAttested) -> ReportState:
    return replace(state, status=Status.ATTESTED)


@decides(Approve)
def approve(command: Approve, state: ReportState) -> TimesheetApproved | TimesheetCorrected:
    """rules.md §7.2: the hours without findings (or overridden), never more than reported."""
    report = _needs(state, REVIEWABLE, "approved")
    checks = command.checks
    entries = checks.entries(state)
    findings = checks.findings(state, command.today)
    reported_hours = [e.hours for e in state.entries]
    result = approve_hours(
        entries,
        reported_hours,
        checks.grants,
        command.today,
        checks.context,
        findings,
        command.requested,
        command.overrides,
        [{f.code for f in checks.not_assigned([e])} for e in entries],
    )
    days = approved_days(entries, result.approved)
    total = sum(result.approved, Decimal(0))
    if state.ever_approved:
        change = difference(state.approved, days)
        return TimesheetCorrected(
            **report.assignment_ids(),
            version=state.version,
            corrected_on=command.today,
            approved_hours=total,
            days=days,
            difference_hours=sum((d.hours for d in change), Decimal(0)),
            difference=change,
            reductions=result.reductions,
            overrides=result.overrides,
        )
    return TimesheetApproved(
        **report.assignment_ids(),
        version=state.version,
        approved_on=command.today,
        reported_hours=sum(reported_hours, Decimal(0)),
        approved_hours=total,
        days=days,
        reductions=result.reductions,
        overrides=result.overrides,
    )


@evolves(TimesheetApproved)
def approved(state: ReportState, event: TimesheetApproved) -> ReportState:
    return replace(state, status=Status.APPROVED, approved=tuple(event.days), ever_approved=True)


@evolves(TimesheetCorrected)
def corrected(state: ReportState, event: TimesheetCorrected) -> ReportState:
    return replace(state, status=Status.APPROVED, approved=tuple(event.days))


@decides(Reject)
def reject(command: Reject, state: ReportState) -> TimesheetRejected:
    report = _needs(state, REVIEWABLE, "rejected")
    unknown = [r for r in command.reasons if r not in REJECTION_CODES]
    if unknown or not command.reasons:
        raise invalid("reasons", f"give reason codes of {sorted(REJECTION_CODES)}")
    return TimesheetRejected(
        **report.ids(),
        version=state.version,
        rejected_on=command.today,
        reasons=list(dict.fromkeys(command.reasons)),
    )


@evolves(TimesheetRejected)
def rejected(state: ReportState, _event: TimesheetRejected) -> ReportState:
    return replace(state, status=Status.REJECTED)


@decides(Reopen)
def reopen(command: Reopen, state: ReportState) -> TimesheetReopened:
    """A new version to correct: from submitted, attested, rejected or approved."""
    report = _needs(state, REVIEWABLE | {Status.REJECTED, Status.APPROVED}, "reopened")
    return TimesheetReopened(
        **report.ids(),
        version=state.version + 1,
        reopened_on=command.today,
    )


@evolves(TimesheetReopened)
def reopened(state: ReportState, event: TimesheetReopened) -> ReportState:
    return replace(state, status=Status.DRAFT, version=event.version, findings=())


@decides(MarkOverdue)
def mark_overdue(command: MarkOverdue, state: ReportState) -> TimesheetOverdue | None:
    """Once per report, when no version was submitted and the due day has passed."""
    if state.overdue or state.submitted or command.today <= command.due_on:
        return None
    report = state.report or command.report
    return TimesheetOverdue(
        **report.assignment_ids(),
        due_on=command.due_on,
        detected_on=command.today,
    )


@evolves(TimesheetOverdue)
def overdue(state: ReportState, event: TimesheetOverdue) -> ReportState:
    return replace(state, report=state.report or _report_of(event), overdue=True)


REPORT = Aggregate(category=STREAM_PREFIX, initial=ReportState(report=None), evolve=evolve)
"""The time report for the command pipeline (shared/commands.py): ``timesheet-<id>``."""
