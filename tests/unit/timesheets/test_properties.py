"""Property (hypothesis): approved hours never exceed the reported hours nor the grant."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.timesheets.domain.approval import Requested, approve_hours
from services.timesheets.domain.entries import hours_of
from shared.rules import GrantWindow, TimeEntry, Unit, check_timesheet
from shared.rules.timesheet_model import iso_week

TODAY = date(2026, 12, 2)
MONTH_START = date(2026, 11, 1)

spans = st.tuples(
    st.integers(0, 29),  # day of November
    st.integers(0, 22 * 4),  # start in quarter hours
    st.integers(1, 8 * 4),  # length in quarter hours
    st.sampled_from(["work", "leisure"]),
)
grants = st.builds(
    lambda unit, hours, cut: [
        GrantWindow("K", unit, Decimal(hours), None, date(2026, 10, 1), cut),
        GrantWindow("K", unit, Decimal(hours + 5), None, cut + timedelta(days=1), date(2027, 1, 1)),
    ],
    st.sampled_from([Unit.WEEK, Unit.MONTH]),
    st.integers(0, 60),
    st.dates(date(2026, 11, 1), date(2026, 11, 29)),
)


def as_entry(span: tuple[int, int, int, str]) -> TimeEntry:
    day, start, length, activity = span
    begin = time(start // 4, start % 4 * 15)
    finish_q = min(start + length, 24 * 4)
    finish = time(0) if finish_q == 96 else time(finish_q // 4, finish_q % 4 * 15)
    return TimeEntry("A", "K", MONTH_START + timedelta(days=day), begin, finish, activity)


@settings(max_examples=150, deadline=None)
@given(st.lists(spans, min_size=1, max_size=25), grants, st.lists(st.integers(0, 24), max_size=5))
def test_approved_hours_stay_within_reported_and_the_grant(
    raw: list[tuple[int, int, int, str]], windows: list[GrantWindow], cuts: list[int]
) -> None:
    entries = [as_entry(s) for s in raw]
    reported = [hours_of(e.seconds) for e in entries]
    requested = {
        i: Requested(min(reported[i], Decimal(c) / 4), "less") for i, c in enumerate(cuts)
        if i < len(entries)
    }  # fmt: skip
    findings = check_timesheet(entries, windows, TODAY)
    result = approve_hours(entries, reported, windows, TODAY, [], findings, requested, [])
    assert all(0 <= a <= r for a, r in zip(result.approved, reported, strict=True))
    # Per unit period, the running sum never passes the grant in force on the day
    # (the grant is only ever raised here, so "as amended on each day" can always hold).
    unit = windows[0].unit
    sums: dict[object, Decimal] = defaultdict(Decimal)
    for entry, amount in sorted(zip(entries, result.approved, strict=True), key=lambda p: p[0].day):
        key = iso_week(entry.day) if unit is Unit.WEEK else (entry.day.year, entry.day.month)
        sums[key] += amount
        window = max((w for w in windows if w.covers(entry.day)), key=lambda w: w.period_start)
        assert sums[key] <= window.hours
    # The 40 h/week of rules.md §6.1 holds too.
    weeks: dict[object, Decimal] = defaultdict(Decimal)
    for entry, amount in zip(entries, result.approved, strict=True):
        weeks[iso_week(entry.day)] += amount
    assert all(total <= 40 for total in weeks.values())
