"""The report aggregate: which command fits which status, approval, correction, overdue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import get_args

import pytest

from services.timesheets.domain.approval import Requested
from services.timesheets.domain.errors import IllegalTransition, InvalidCommand
from services.timesheets.domain.report import (
    RULES,
    Approve,
    Attest,
    Command,
    MarkOverdue,
    Reject,
    Reopen,
    ReportState,
    SaveDraft,
    Status,
    Submit,
    decide,
)
from shared.contracts.timesheets import (
    Override,
    TimesheetApproved,
    TimesheetCorrected,
    TimesheetOverdue,
)
from tests.unit.timesheets.builders import (
    REPORT,
    TODAY,
    checks,
    drafted,
    entry,
    grant,
    play,
    submitted,
)

WEEK = [entry(date(2026, 11, d), "08:00", "13:00") for d in (2, 3, 4, 5)]  # 20 h


def approve(state: ReportState, **kwargs: object) -> TimesheetApproved | TimesheetCorrected:
    event = decide(Approve(TODAY, checks(), **kwargs), state)[0]  # type: ignore[arg-type]
    assert isinstance(event, TimesheetApproved | TimesheetCorrected)
    return event


def test_every_command_has_exactly_its_rule() -> None:
    # The rules are registered by type (@decides), so a command added to ``Command``
    # without one would only fail when first sent.
    assert frozenset(get_args(Command)) == RULES.types


def test_only_a_draft_changes_and_only_a_submitted_report_is_reviewed() -> None:
    state = submitted(WEEK)
    assert state.status is Status.SUBMITTED
    with pytest.raises(IllegalTransition):
        decide(SaveDraft(REPORT, WEEK, TODAY), state)
    with pytest.raises(IllegalTransition):
        decide(Approve(TODAY, checks()), drafted(WEEK))
    with pytest.raises(IllegalTransition):
        decide(Attest(TODAY, "client"), ReportState())
    with pytest.raises(IllegalTransition):
        decide(Reopen(TODAY), drafted(WEEK))


def test_entries_outside_the_month_or_ending_before_they_start_are_named() -> None:
    bad = [entry(date(2026, 12, 1)), entry(date(2026, 11, 3), "12:00", "08:00"), entry(
        date(2026, 11, 4), activity=" ")]  # fmt: skip
    with pytest.raises(InvalidCommand) as refused:
        decide(SaveDraft(REPORT, bad, TODAY), ReportState())
    fields = [e.field for e in refused.value.errors]
    assert fields == ["entries[0].day", "entries[1].end", "entries[2].activity"]


def test_attestation_names_reported_days_only() -> None:
    state = submitted(WEEK)
    with pytest.raises(InvalidCommand):
        decide(Attest(TODAY, "representative", [date(2026, 11, 9)]), state)
    attested = play(state, Attest(TODAY, "representative", [date(2026, 11, 2)]))
    assert attested.status is Status.ATTESTED


def test_approval_without_findings_pays_everything_and_fewer_hours_need_a_reason() -> None:
    full = approve(submitted(WEEK))
    assert full.approved_hours == 20 and full.reductions == []
    with pytest.raises(InvalidCommand) as no_reason:
        approve(submitted(WEEK), requested={0: Requested(Decimal(3), "")})
    assert no_reason.value.errors[0].field == "entries[0].reason"
    with pytest.raises(InvalidCommand) as more:
        approve(submitted(WEEK), requested={1: Requested(Decimal(6), "x")})
    assert more.value.errors[0].code == "APPROVED_MORE_THAN_REPORTED"


def test_findings_are_not_paid_unless_overridden_with_a_reason() -> None:
    entries = [*WEEK, entry(date(2026, 11, 6), "08:00", "10:00", "leisure")]
    state = submitted(entries)
    plain = approve(state)
    assert plain.approved_hours == 20
    assert plain.reductions[0].reason == "ACTIVITY_NOT_GRANTED"
    with pytest.raises(InvalidCommand):
        approve(state, overrides=[Override(code="IN_SUSPENSION", reason="no such finding")])
    with pytest.raises(InvalidCommand):
        approve(state, overrides=[Override(code="FUTURE_DATE", reason="never")])
    # Overriding the activity still leaves the week over the grant: trimmed to 20 h.
    activity = Override(code="ACTIVITY_NOT_GRANTED", day=date(2026, 11, 6), reason="decided")
    partly = approve(state, overrides=[activity])
    assert partly.approved_hours == 20 and partly.overrides == [activity]
    week = Override(code="WEEKLY_GRANT_EXCEEDED", reason="the grant was raised late")
    both = approve(state, overrides=[activity, week])
    assert both.approved_hours == 22 and both.reductions == []


def test_a_correction_carries_the_difference_per_day_and_activity() -> None:
    first = submitted(WEEK)
    state = play(first, Approve(TODAY, checks()), Reopen(TODAY))
    assert state.version == 2 and state.status is Status.DRAFT
    fewer = [*WEEK[:3], entry(date(2026, 11, 5), "08:00", "10:00")]
    state = play(state, SaveDraft(REPORT, fewer, TODAY), Submit(TODAY, checks()))
    corrected = approve(state)
    assert isinstance(corrected, TimesheetCorrected)
    assert corrected.version == 2 and corrected.approved_hours == 17
    assert [(d.day, d.hours) for d in corrected.difference] == [(date(2026, 11, 5), -3)]
    assert corrected.difference_hours == -3


def test_rejection_needs_known_reason_codes() -> None:
    with pytest.raises(InvalidCommand):
        decide(Reject(TODAY, ["BECAUSE"]), submitted(WEEK))
    rejected = play(submitted(WEEK), Reject(TODAY, ["REJECTED_OTHER", "REJECTED_OTHER"]))
    assert rejected.status is Status.REJECTED


def test_overdue_once_and_never_after_a_submission() -> None:
    late = MarkOverdue(REPORT, date(2026, 12, 5), date(2026, 12, 6))
    assert decide(MarkOverdue(REPORT, date(2026, 12, 5), date(2026, 12, 5)), ReportState()) == []
    events = decide(late, ReportState())
    assert isinstance(events[0], TimesheetOverdue)
    assert play(ReportState(), late).overdue
    assert decide(late, play(ReportState(), late)) == []
    assert decide(late, drafted(WEEK)) != [], "a draft is not a submission"
    assert decide(late, submitted(WEEK)) == []


def test_a_grant_of_the_neighbouring_month_is_used_for_its_days() -> None:
    state = submitted([entry(date(2026, 11, 30))], grant(start=date(2026, 11, 30)))
    assert state.findings == ()
