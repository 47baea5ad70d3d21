"""rules.md §6.1, §7.2: checks of the monthly time report."""

from datetime import date, time, timedelta
from decimal import Decimal

from shared.rules import (
    FindingCode,
    GrantWindow,
    TimeEntry,
    Unit,
    check_approved_hours,
    check_assistant_weekly_limit,
    check_grant_sums,
    check_overlaps,
    check_timesheet,
)

TODAY = date(2024, 5, 10)
ADULT_GRANT = GrantWindow(
    "K",
    Unit.WEEK,
    Decimal(20),
    frozenset({"work", "institutions"}),
    date(2024, 3, 1),
    date(2024, 12, 31),
)
CHILD_GRANT = GrantWindow("C", Unit.MONTH, Decimal(80), None, date(2024, 1, 1), date(2024, 12, 31))


def entry(
    day: date,
    start: str = "10:00",
    end: str = "12:00",
    *,
    assistant: str = "A",
    client: str = "K",
    activity: str = "work",
) -> TimeEntry:
    return TimeEntry(
        assistant, client, day, time.fromisoformat(start), time.fromisoformat(end), activity
    )


def codes(entries: list[TimeEntry]) -> list[str]:
    return [f.code for f in check_timesheet(entries, [ADULT_GRANT, CHILD_GRANT], TODAY)]


def test_report_within_the_grant_has_no_findings() -> None:
    entries = [entry(date(2024, 4, d)) for d in (1, 2, 3)] + [
        entry(date(2024, 4, 4), "09:00", "10:30", activity="institutions")
    ]
    assert check_timesheet(entries, [ADULT_GRANT], TODAY) == []


def test_entry_must_end_after_it_starts() -> None:
    assert codes([entry(date(2024, 4, 2), "12:00", "10:00")]) == ["END_BEFORE_START"]
    assert codes([entry(date(2024, 4, 2), "10:00", "10:00")]) == ["END_BEFORE_START"]


def test_end_at_midnight_closes_the_day() -> None:
    late = entry(date(2024, 4, 2), "20:00", "00:00")
    assert late.hours == 4
    assert codes([late]) == []


def test_day_before_or_after_the_granted_period_is_outside_it() -> None:
    found = check_timesheet(
        [entry(date(2024, 2, 29)), entry(date(2025, 1, 1))], [ADULT_GRANT], date(2025, 2, 1)
    )
    assert [(f.code, f.days) for f in found] == [
        ("OUTSIDE_PERIOD", (date(2024, 2, 29),)),
        ("OUTSIDE_PERIOD", (date(2025, 1, 1),)),
    ]


def test_client_without_a_grant_is_outside_any_period() -> None:
    assert codes([entry(date(2024, 4, 2), client="X")]) == ["OUTSIDE_PERIOD"]


def test_day_inside_a_suspension_is_flagged() -> None:
    suspended = GrantWindow(
        "K",
        Unit.WEEK,
        Decimal(20),
        None,
        date(2024, 3, 1),
        date(2024, 12, 31),
        ((date(2024, 4, 10), date(2024, 4, 20)), (date(2024, 5, 1), None)),
    )
    days = [date(2024, 4, 9), date(2024, 4, 10), date(2024, 4, 20), date(2024, 5, 6)]
    found = check_timesheet([entry(d) for d in days], [suspended], TODAY)
    assert [(f.code, f.days[0]) for f in found] == [
        ("IN_SUSPENSION", date(2024, 4, 10)),
        ("IN_SUSPENSION", date(2024, 4, 20)),
        ("IN_SUSPENSION", date(2024, 5, 6)),
    ]


def test_future_dates_are_flagged_and_today_is_not() -> None:
    found = check_timesheet([entry(TODAY), entry(TODAY + timedelta(days=1))], [ADULT_GRANT], TODAY)
    assert [(f.code, f.days) for f in found] == [("FUTURE_DATE", (TODAY + timedelta(days=1),))]


def test_activity_outside_the_grant_is_flagged() -> None:
    assert codes([entry(date(2024, 4, 2), activity="leisure")]) == ["ACTIVITY_NOT_GRANTED"]


def test_childs_monthly_grant_covers_any_activity() -> None:
    assert codes([entry(date(2024, 4, 2), client="C", activity="anything")]) == []


def test_weekly_grant_exceeded_names_the_days_of_the_week() -> None:
    entries = [entry(date(2024, 4, d), "08:00", "15:00") for d in (1, 2, 3)]  # 21 h
    found = check_grant_sums(entries, [ADULT_GRANT])
    assert [(f.code, f.days, f.client_id) for f in found] == [
        ("WEEKLY_GRANT_EXCEEDED", tuple(date(2024, 4, d) for d in (1, 2, 3)), "K")
    ]
    assert "21.00 h" in found[0].detail


def test_weekly_grant_used_exactly_is_fine() -> None:
    entries = [entry(date(2024, 4, d), "08:00", "13:00") for d in (1, 2, 3, 4)]  # 20 h
    assert check_grant_sums(entries, [ADULT_GRANT]) == []


def test_minutes_add_up_exactly() -> None:
    grant = GrantWindow("K", Unit.WEEK, Decimal(1), None, date(2024, 3, 1), date(2024, 12, 31))
    thirds = [entry(date(2024, 4, d), "10:00", "10:20") for d in (1, 2, 3)]
    assert check_grant_sums(thirds, [grant]) == []
    assert len(check_grant_sums([*thirds, entry(date(2024, 4, 4), "10:00", "10:01")], [grant])) == 1


def test_week_across_a_month_boundary_counts_whole_with_the_neighbouring_month() -> None:
    # ISO week 2024-W22 runs Monday 27 May to Sunday 2 June.
    may = [entry(date(2024, 5, 30), "06:00", "18:00")]  # Thursday, 12 h, the May report
    june = [entry(date(2024, 6, 1), "06:00", "16:00")]  # Saturday, 10 h, the June report
    found = check_grant_sums(june, [ADULT_GRANT], context=may)
    assert [(f.code, f.days) for f in found] == [
        ("WEEKLY_GRANT_EXCEEDED", (date(2024, 5, 30), date(2024, 6, 1)))
    ]
    assert check_grant_sums(june, [ADULT_GRANT]) == []  # unknown neighbour: only June counts
    next_week = [entry(date(2024, 6, 3), "06:00", "16:00")]  # Monday: a new ISO week
    assert check_grant_sums(next_week, [ADULT_GRANT], context=may) == []


def test_week_of_the_neighbouring_month_alone_is_not_reported() -> None:
    march = [entry(date(2024, 3, d), "06:00", "18:00") for d in (25, 26)]
    assert check_grant_sums([entry(date(2024, 4, 2))], [ADULT_GRANT], context=march) == []


def test_suspended_days_do_not_count_in_the_weekly_sum() -> None:
    grant = GrantWindow(
        "K",
        Unit.WEEK,
        Decimal(20),
        None,
        date(2024, 3, 1),
        date(2024, 12, 31),
        ((date(2024, 4, 3), date(2024, 4, 3)),),
    )
    entries = [entry(date(2024, 4, d), "08:00", "15:00") for d in (1, 2, 3)]
    assert check_grant_sums(entries, [grant]) == []


def test_monthly_grant_of_a_child_exceeded() -> None:
    entries = [entry(date(2024, 4, d), "08:00", "16:00", client="C") for d in range(1, 12)]
    found = check_grant_sums(entries, [CHILD_GRANT])
    assert [(f.code, len(f.days)) for f in found] == [("MONTHLY_GRANT_EXCEEDED", 11)]
    assert "88.00 h" in found[0].detail


def test_monthly_grant_counts_calendar_months_not_weeks() -> None:
    entries = [entry(date(2024, 4, d), "08:00", "16:00", client="C") for d in range(21, 31)]
    entries += [entry(date(2024, 5, 1), "08:00", "16:00", client="C")]
    assert check_grant_sums(entries, [CHILD_GRANT]) == []


def test_amended_grant_replaces_the_earlier_from_its_first_day() -> None:
    amended = GrantWindow("K", Unit.WEEK, Decimal(30), None, date(2024, 4, 1), date(2024, 12, 31))
    entries = [entry(date(2024, 4, d), "08:00", "15:00") for d in (1, 2, 3)]  # 21 h
    assert check_timesheet(entries, [ADULT_GRANT, amended], TODAY) == []


def test_assistant_never_works_more_than_forty_hours_a_week_across_clients() -> None:
    grant_two = GrantWindow("L", Unit.WEEK, Decimal(40), None, date(2024, 1, 1), date(2024, 12, 31))
    days = [date(2024, 4, d) for d in (1, 2, 3, 4, 5)]
    entries = [entry(d, "08:00", "12:00", client="K") for d in days]
    entries += [entry(d, "13:00", "18:00", client="L") for d in days]  # 20 + 25 = 45 h
    found = check_timesheet(entries, [ADULT_GRANT, grant_two], TODAY)
    assert [(f.code, f.assistant_id, f.days) for f in found] == [
        ("ASSISTANT_WEEKLY_LIMIT_EXCEEDED", "A", tuple(days))
    ]
    assert found[0].section == "rules.md §6.1, §7.2"


def test_assistant_at_exactly_forty_hours_is_fine() -> None:
    entries = [entry(date(2024, 4, d), "08:00", "16:00") for d in (1, 2, 3, 4, 5)]
    assert check_assistant_weekly_limit(entries) == []


def test_assistant_week_across_months_uses_the_other_months_report() -> None:
    may = [entry(date(2024, 5, d), "06:00", "18:00", client="L") for d in (1, 2, 3)]  # 36 h
    april = [entry(date(2024, 4, 29), "08:00", "13:00")]  # Monday of the same week
    found = check_assistant_weekly_limit(april, context=may)
    assert [(f.code, f.days[0], f.days[-1]) for f in found] == [
        ("ASSISTANT_WEEKLY_LIMIT_EXCEEDED", date(2024, 4, 29), date(2024, 5, 3))
    ]
    assert check_assistant_weekly_limit(april) == []


def test_one_assistant_with_two_clients_at_the_same_time_is_an_overlap() -> None:
    day = date(2024, 4, 2)
    found = check_overlaps([entry(day, "10:00", "12:00"), entry(day, "11:00", "13:00", client="L")])
    assert [(f.code, f.days, f.assistant_id) for f in found] == [
        ("OVERLAP_ASSISTANT_TWO_CLIENTS", (day,), "A")
    ]


def test_one_client_with_two_assistants_at_the_same_time_is_an_overlap() -> None:
    day = date(2024, 4, 2)
    mine = [entry(day, "10:00", "12:00")]
    theirs = [entry(day, "11:30", "12:30", assistant="B")]
    found = check_overlaps(mine, context=theirs)
    assert [(f.code, f.client_id) for f in found] == [("OVERLAP_CLIENT_TWO_ASSISTANTS", "K")]


def test_spans_that_only_touch_do_not_overlap() -> None:
    day = date(2024, 4, 2)
    entries = [entry(day, "10:00", "12:00"), entry(day, "12:00", "14:00", client="L")]
    assert check_overlaps(entries) == []


def test_the_same_time_reported_twice_is_an_overlap() -> None:
    twice = [entry(date(2024, 4, 2)), entry(date(2024, 4, 2))]
    assert [f.code for f in check_overlaps(twice)] == ["OVERLAP_SAME_ASSISTANT_AND_CLIENT"]


def test_overlaps_only_between_other_reports_are_not_reported_here() -> None:
    day = date(2024, 4, 2)
    others = [entry(day, assistant="B", client="L"), entry(day, assistant="B", client="M")]
    assert check_overlaps([entry(day, client="K")], context=others) == []


def test_worked_time_is_real_time_over_the_summer_time_change() -> None:
    assert entry(date(2024, 3, 31), "02:00", "05:00").hours == 2  # clocks go forward
    assert entry(date(2024, 10, 27), "02:00", "05:00").hours == 4  # clocks go back
    assert entry(date(2024, 10, 27), "05:00", "08:00").hours == 3
    assert entry(date(2024, 4, 7), "02:00", "05:00").hours == 3


def test_approving_more_than_reported_is_refused() -> None:
    assert check_approved_hours(Decimal(10), Decimal(8)) == []
    assert check_approved_hours(Decimal(10), Decimal(10)) == []
    found = check_approved_hours(Decimal(10), Decimal("10.5"), [date(2024, 4, 2)])
    assert [(f.code, f.days) for f in found] == [
        ("APPROVED_MORE_THAN_REPORTED", (date(2024, 4, 2),))
    ]


def test_findings_of_a_report_come_in_day_order_with_every_code() -> None:
    entries = [
        entry(date(2024, 4, 12), activity="leisure"),
        entry(date(2024, 2, 10)),
        entry(date(2024, 5, 20)),
    ]
    found = check_timesheet(entries, [ADULT_GRANT], TODAY)
    assert [(f.code, f.days[0]) for f in found] == [
        ("OUTSIDE_PERIOD", date(2024, 2, 10)),
        ("ACTIVITY_NOT_GRANTED", date(2024, 4, 12)),
        ("FUTURE_DATE", date(2024, 5, 20)),
    ]
    assert set(FindingCode) >= {f.code for f in found}
