"""rules.md §7.2 on the boundaries, through the report's submit: every finding code."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from services.timesheets.domain.report import Approve, Report, Submit, decide
from shared.contracts.timesheets import TimesheetApproved, TimesheetSubmitted
from shared.rules import FindingCode, Unit
from tests.unit.timesheets.builders import (
    TODAY,
    checks,
    drafted,
    entry,
    grant,
    play,
    time_entry,
)


def findings(entries: list, *grants, context=(), today=TODAY) -> list[tuple[str, date | None]]:  # type: ignore[no-untyped-def, type-arg]
    event = decide(Submit(today, checks(*grants, context=context)), drafted(entries))[0]
    assert isinstance(event, TimesheetSubmitted)
    return [(f.code, f.day) for f in event.findings]


def test_a_week_across_a_month_end_counts_both_months() -> None:
    # 2026-W44 runs Monday 26 October to Sunday 1 November.
    october = tuple(time_entry(date(2026, 10, d), "08:00", "14:00") for d in (26, 27, 28))  # 18 h
    november = [entry(date(2026, 11, 1), "08:00", "11:00")]  # Sunday: 21 h in the week
    assert findings(november, grant(), context=october) == [
        (FindingCode.WEEKLY_GRANT_EXCEEDED, date(2026, 10, 26))
    ]
    assert findings([entry(date(2026, 11, 1), "08:00", "10:00")], grant(), context=october) == []
    monday = [entry(date(2026, 11, 2), "08:00", "14:00")]  # a new week
    assert findings(monday, grant(), context=october) == []


def test_the_first_and_last_day_of_a_suspension_are_in_it() -> None:
    stay = ((date(2026, 11, 10), date(2026, 11, 17)),)
    days = [date(2026, 11, d) for d in (9, 10, 17, 18)]
    found = findings([entry(d) for d in days], grant(suspensions=stay))
    assert found == [
        (FindingCode.IN_SUSPENSION, date(2026, 11, 10)),
        (FindingCode.IN_SUSPENSION, date(2026, 11, 17)),
    ]


def test_the_termination_day_and_after_are_flagged_the_day_before_is_not() -> None:
    found = findings(
        [entry(date(2026, 11, d)) for d in (19, 20, 23)],
        grant(terminated_from=date(2026, 11, 20)),
    )
    assert found == [
        (FindingCode.AFTER_TERMINATION, date(2026, 11, 20)),
        (FindingCode.AFTER_TERMINATION, date(2026, 11, 23)),
    ]


def test_the_period_boundaries_and_future_dates() -> None:
    period = grant(start=date(2026, 11, 3), end=date(2026, 11, 27))
    found = findings([entry(date(2026, 11, d)) for d in (2, 3, 27, 30)], period)
    assert found == [
        (FindingCode.OUTSIDE_PERIOD, date(2026, 11, 2)),
        (FindingCode.OUTSIDE_PERIOD, date(2026, 11, 30)),
    ]
    late = findings([entry(date(2026, 11, 30))], grant(), today=date(2026, 11, 29))
    assert late == [(FindingCode.FUTURE_DATE, date(2026, 11, 30))]
    assert findings([entry(date(2026, 11, 29))], grant(), today=date(2026, 11, 29)) == []


def test_summer_time_ends_on_2026_10_25_a_night_is_an_hour_longer() -> None:
    # 02:00–06:00 on the day the clocks go back lasts 5 real hours.
    oct_grant = grant(hours=4, start=date(2026, 10, 1))
    night = drafted([entry(date(2026, 10, 25), "02:00", "06:00")], report_for("2026-10"))
    assert night.entries[0].hours == 5
    event = decide(Submit(TODAY, checks(oct_grant)), night)[0]
    assert isinstance(event, TimesheetSubmitted)
    assert [f.code for f in event.findings] == [FindingCode.WEEKLY_GRANT_EXCEEDED]


def test_summer_time_begins_on_2026_03_29_a_night_is_an_hour_shorter() -> None:
    march_grant = grant(hours=3, start=date(2026, 3, 1))
    night = drafted([entry(date(2026, 3, 29), "02:00", "06:00")], report_for("2026-03"))
    assert night.entries[0].hours == 3
    event = decide(Submit(TODAY, checks(march_grant)), night)[0]
    assert isinstance(event, TimesheetSubmitted) and event.findings == []


def test_a_childs_monthly_cap_counts_the_calendar_month_and_any_activity() -> None:
    child = grant(hours=100, unit=Unit.MONTH, activities=None)
    days = [date(2026, 11, d) for d in range(2, 27)]  # 25 days x 4 h = 100 h
    assert findings([entry(d, activity="swimming") for d in days], child) == []
    over = [*(entry(d) for d in days), entry(date(2026, 11, 27), "08:00", "08:30")]
    assert findings(over, child) == [(FindingCode.MONTHLY_GRANT_EXCEEDED, date(2026, 11, 2))]


def test_an_amended_grant_mid_week_counts_the_week_as_amended_on_each_day() -> None:
    before = grant(hours=10, end=date(2026, 11, 10))
    after = grant(hours=20, start=date(2026, 11, 11))
    # Monday 9 and Tuesday 10: 8 h under 10; from Wednesday the week may reach 20.
    fine = [entry(date(2026, 11, d)) for d in (9, 10, 11, 12)]  # 16 h
    assert findings(fine, before, after) == []
    # 12 h by Tuesday is over the 10 h then in force, whatever comes later.
    early = [entry(date(2026, 11, 9), "06:00", "14:00"), entry(date(2026, 11, 10))]
    assert findings(early, before, after) == [
        (FindingCode.WEEKLY_GRANT_EXCEEDED, date(2026, 11, 9))
    ]
    # Lowered mid-week: 12 h by Wednesday is over the 10 h in force from Wednesday.
    lowered = [grant(hours=20, end=date(2026, 11, 10)), grant(hours=10, start=date(2026, 11, 11))]
    assert findings(fine[:2], *lowered) == []
    assert findings(fine[:3], *lowered) == [(FindingCode.WEEKLY_GRANT_EXCEEDED, date(2026, 11, 9))]


def test_an_amended_grant_mid_month_for_a_monthly_unit() -> None:
    before = grant(hours=80, unit=Unit.MONTH, activities=None, end=date(2026, 11, 15))
    after = grant(hours=100, unit=Unit.MONTH, activities=None, start=date(2026, 11, 16))
    days = [date(2026, 11, d) for d in range(2, 24)]  # 22 days x 4 h = 88 h; 56 h by the 15th
    assert findings([entry(d) for d in days], before, after) == []
    assert findings([entry(d) for d in days], before) != []


def test_overlaps_and_the_activity() -> None:
    other_client = (time_entry(date(2026, 11, 3), "11:00", "13:00", client="L"),)
    other_assistant = (time_entry(date(2026, 11, 4), "11:59", "12:30", assistant="B"),)
    found = findings(
        [entry(date(2026, 11, d)) for d in (3, 4)] + [entry(date(2026, 11, 5), activity="leisure")],
        grant(),
        context=other_client + other_assistant,
    )
    assert found == [
        (FindingCode.OVERLAP_ASSISTANT_TWO_CLIENTS, date(2026, 11, 3)),
        (FindingCode.OVERLAP_CLIENT_TWO_ASSISTANTS, date(2026, 11, 4)),
        (FindingCode.ACTIVITY_NOT_GRANTED, date(2026, 11, 5)),
    ]
    touching = (time_entry(date(2026, 11, 3), "12:00", "13:00", client="L"),)
    assert findings([entry(date(2026, 11, 3))], grant(), context=touching) == []


def test_the_assistants_forty_hours_across_clients() -> None:
    others = tuple(
        time_entry(date(2026, 11, d), "13:00", "19:00", client="L") for d in (2, 3, 4, 5, 6)
    )  # 30 h with another client
    assert findings([entry(date(2026, 11, d), "08:00", "10:00") for d in (2, 3, 4, 5, 6)],
                    grant(), context=others) == []  # fmt: skip
    found = findings(
        [entry(date(2026, 11, d), "08:00", "10:00") for d in (2, 3, 4, 5, 6, 7)],
        grant(),
        context=others,
    )
    assert found == [(FindingCode.ASSISTANT_WEEKLY_LIMIT_EXCEEDED, date(2026, 11, 2))]


def report_for(month: str) -> Report:
    return Report(f"ts-{month}", "A", "K", "asg-1", month)


def test_days_outside_the_assignment_are_flagged_and_not_paid() -> None:
    assigned = replace(
        checks(grant()), assigned_from=date(2026, 11, 4), assigned_until=date(2026, 11, 20)
    )
    state = drafted([entry(date(2026, 11, d)) for d in (3, 4, 20, 23)])
    event = decide(Submit(TODAY, assigned), state)[0]
    assert isinstance(event, TimesheetSubmitted)
    assert [(f.code, f.day) for f in event.findings] == [
        (FindingCode.NOT_ASSIGNED, date(2026, 11, 3)),
        (FindingCode.NOT_ASSIGNED, date(2026, 11, 23)),
    ]
    approved = decide(Approve(TODAY, assigned), play(state, Submit(TODAY, assigned)))[0]
    assert isinstance(approved, TimesheetApproved)
    assert approved.approved_hours == 8
    assert [r.reason for r in approved.reductions] == ["NOT_ASSIGNED", "NOT_ASSIGNED"]
