"""The pure core of reporting: events into facts, facts into figures and their history."""

from __future__ import annotations

import calendar
import itertools
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from services.reporting.contributions import Delta, contribution, history
from services.reporting.facts import Fact, expected_amount, facts_of
from shared.rules.vocabulary import AgeGroup, RefusalReason, Unit
from tests.unit.reporting import builders as b

CASE = "case-1"


def pseudo(raw: str) -> str:
    return f"p{abs(hash(raw)) % 10**8}"


def stored(events: list[tuple[BaseModel, date]]) -> dict[str, dict[str, Any]]:
    """The facts as the projection stores them for one entity (one kind assumed)."""
    facts: dict[str, dict[str, Any]] = {}
    for event, known_on in events:
        for fact in facts_of(event, pseudo):
            facts.setdefault(fact.key, {**fact.body, "known_on": known_on.isoformat()})
    return facts


def cells(kind: str, events: list[tuple[BaseModel, date]]) -> dict[tuple[str, str, str], Decimal]:
    return contribution(kind, stored(events))


D1, D2, D3 = date(2026, 11, 20), date(2026, 12, 2), date(2026, 12, 20)


def test_a_granted_case_counts_its_decision_days_group_and_hours_per_active_month() -> None:
    figures = cells(
        "case",
        [
            (b.opened(CASE, date(2026, 11, 2)), D1),
            (
                b.granted(
                    CASE,
                    decided_on=date(2026, 11, 20),
                    start=date(2026, 12, 1),
                    end=date(2027, 1, 31),
                    late=True,
                ),
                D1,
            ),
        ],
    )
    assert figures[("2026-11", "applications_granted", "")] == 1
    assert figures[("2026-11", "applications_decided_late", "")] == 1
    assert figures[("2026-11", "decision_days", "18")] == 1
    assert figures[("2026-12", "grants_new", "")] == 1
    for month in ("2026-12", "2027-01"):
        assert figures[(month, "clients_active", "")] == 1
        assert figures[(month, "clients_adults", "")] == 1
        # rules.md §4.1: 27 h a week is 27/7 a day, 31 days.
        assert figures[(month, "hours_granted", "")] == Decimal("119.57")
    assert ("2027-02", "clients_active", "") not in figures
    assert ("2026-12", "clients_children", "") not in figures


def test_monthly_hours_follow_the_unit_not_the_age() -> None:
    """An adult with hours per month (LV-2021 adults, rules.md §4.2a) is counted monthly."""
    figures = cells(
        "case",
        [
            (
                b.granted(
                    CASE,
                    decided_on=D1,
                    start=date(2026, 12, 1),
                    end=date(2027, 2, 28),
                    hours="80",
                    unit=Unit.MONTH,
                    age_group=AgeGroup.ADULT,
                ),
                D1,
            )
        ],
    )
    assert figures[("2026-12", "hours_granted", "")] == Decimal("80.00")
    assert figures[("2027-02", "hours_granted", "")] == Decimal("80.00")
    assert figures[("2026-12", "clients_adults", "")] == 1


def test_a_child_counts_as_a_child_and_vision_as_part_of_the_adults() -> None:
    child = cells(
        "case",
        [
            (
                b.granted(
                    CASE,
                    decided_on=D1,
                    start=date(2026, 12, 1),
                    end=date(2026, 12, 31),
                    hours="100",
                    unit=Unit.MONTH,
                    age_group=AgeGroup.CHILD,
                ),
                D1,
            )
        ],
    )
    assert child[("2026-12", "clients_children", "")] == 1
    assert ("2026-12", "clients_adults", "") not in child
    vision = cells(
        "case",
        [
            (
                b.granted(
                    CASE,
                    decided_on=D1,
                    start=date(2026, 12, 1),
                    end=date(2026, 12, 31),
                    vision=True,
                ),
                D1,
            )
        ],
    )
    assert vision[("2026-12", "clients_adults", "")] == 1
    assert vision[("2026-12", "clients_vision", "")] == 1


def test_a_suspension_removes_its_days_and_a_termination_ends_the_grant() -> None:
    grant = b.granted(CASE, decided_on=D1, start=date(2026, 12, 1), end=date(2027, 6, 30))
    figures = cells(
        "case",
        [
            (grant, D1),
            (b.suspended(CASE, 2, date(2026, 12, 10)), D2),
            (b.resumed(CASE, 3, date(2026, 12, 18)), D2),
            (b.terminated(CASE, 4, date(2027, 2, 1)), D3),
        ],
    )
    # 31 days less the 8 of the stay (10th..17th): 23 × 27 / 7 = 88.714…
    assert figures[("2026-12", "hours_granted", "")] == Decimal("88.71")
    assert figures[("2026-12", "suspensions", "")] == 1
    assert figures[("2027-02", "terminations", "")] == 1
    assert figures[("2027-01", "clients_active", "")] == 1
    assert ("2027-02", "clients_active", "") not in figures


def test_a_suspension_over_a_whole_month_makes_the_client_inactive_in_it() -> None:
    grant = b.granted(CASE, decided_on=D1, start=date(2026, 12, 1), end=date(2027, 3, 31))
    figures = cells(
        "case",
        [
            (grant, D1),
            (b.suspended(CASE, 2, date(2027, 1, 1)), D2),
            (b.resumed(CASE, 3, date(2027, 2, 1)), D2),
        ],
    )
    assert ("2027-01", "clients_active", "") not in figures
    assert figures[("2027-02", "clients_active", "")] == 1


def test_an_amendment_changes_hours_from_its_day_and_the_end_of_the_period() -> None:
    grant = b.granted(
        CASE, decided_on=D1, start=date(2026, 12, 1), end=date(2026, 12, 31), hours="14"
    )
    figures = cells(
        "case", [(grant, D1), (b.amended(CASE, 2, date(2026, 12, 16), date(2027, 1, 15), "28"), D2)]
    )
    # 15 days × 2 h + 16 days × 4 h = 94; January 15 days × 4 h = 60.
    assert figures[("2026-12", "hours_granted", "")] == Decimal("94.00")
    assert figures[("2027-01", "hours_granted", "")] == Decimal("60.00")


def test_a_refusal_counts_each_reason_and_a_withdrawal_counts_once() -> None:
    figures = cells(
        "case",
        [
            (
                b.refused(
                    CASE,
                    decided_on=D1,
                    reasons=[RefusalReason.TOO_YOUNG, RefusalReason.NO_ELIGIBLE_ACTIVITY],
                ),
                D1,
            )
        ],
    )
    assert figures[("2026-11", "applications_refused", "")] == 1
    assert figures[("2026-11", "refused_by_reason", "TOO_YOUNG")] == 1
    assert figures[("2026-11", "refused_by_reason", "NO_ELIGIBLE_ACTIVITY")] == 1
    withdrawn = cells("case", [(b.closed(CASE, date(2026, 11, 16)), D1)])
    assert withdrawn == {("2026-11", "applications_withdrawn", ""): 1}


def test_a_time_report_counts_its_newest_versions_and_the_assistant_once() -> None:
    first = b.approved_days("2026-12", ["8", "8"])
    later = b.approved_days("2026-12", ["8", "4"])
    events: list[tuple[BaseModel, date]] = [
        (b.timesheet_submitted("t1", "a1", CASE, "2026-12", "16"), D2),
        (b.timesheet_approved("t1", "a1", CASE, "2026-12", first), D2),
        (b.timesheet_submitted("t1", "a1", CASE, "2026-12", "12", version=2), D3),
        (b.timesheet_corrected("t1", "a1", CASE, "2026-12", later), D3),
    ]
    sheet = cells("timesheet", events)
    assert sheet[("2026-12", "hours_reported", "")] == 12
    assert sheet[("2026-12", "hours_approved", "")] == 12
    assert sheet[("2026-12", "amount_expected", "")] == Decimal("61.32")  # 12 × 5.11
    worker = contribution("worker", _only(events, "worker"))
    assert worker == {("2026-12", "assistants_active", ""): 1}


def _only(events: list[tuple[BaseModel, date]], kind: str) -> dict[str, dict[str, Any]]:
    facts: dict[str, dict[str, Any]] = {}
    for event, known_on in events:
        for fact in facts_of(event, pseudo):
            if fact.kind == kind:
                facts[fact.key] = {**fact.body, "known_on": known_on.isoformat()}
    return facts


def test_expected_amount_prices_each_day_by_the_rate_in_force() -> None:
    days = [
        *b.approved_days("2023-03", ["10"]),  # 4.79 (rules.md §8.2)
        *b.approved_days("2023-04", ["10"]),  # 5.11
    ]
    assert expected_amount(days) == (Decimal("99.00"), 2)
    assert expected_amount(b.approved_days("2020-01", ["1"])) == (None, 0)


def test_payments_of_an_assistant_and_month_add_up_and_count_the_assistant_once() -> None:
    events: list[tuple[BaseModel, date]] = [
        (b.payment_issued("a1", "2026-11", "10", "51.10"), D2),
        (b.payment_issued("a1", "2026-11", "2", "10.22", lines=2), D3),
    ]
    figures = contribution("payee", _only(events, "payee"))
    assert figures[("2026-11", "assistants_paid", "")] == 1
    assert figures[("2026-11", "hours_paid", "")] == 12
    assert figures[("2026-11", "paid_total", "")] == Decimal("61.32")
    assert figures[("2026-11", "payment_lines", "")] == 3
    # rules.md §8.2: 0.26 EUR a paid hour (lines priced from 2023-04-01).
    assert figures[("2026-11", "administration_amount", "")] == Decimal("3.12")
    gross = figures[("2026-11", "paid_gross", "")]
    assert gross + figures[("2026-11", "paid_employer_contributions", "")] == Decimal("61.32")


def test_history_keeps_what_was_known_on_each_day() -> None:
    grant = b.granted(CASE, decided_on=D1, start=date(2026, 12, 1), end=date(2027, 6, 30))
    facts = stored([(grant, D1), (b.terminated(CASE, 2, date(2027, 1, 1)), D3)])
    rows = history("case", facts)
    assert _as_of(rows, D1)[("2027-03", "clients_active", "")] == 1
    assert ("2027-03", "clients_active", "") not in _as_of(rows, D3)
    assert _as_of(rows, D3) == contribution("case", facts)


def test_the_history_does_not_depend_on_the_order_events_arrive_in() -> None:
    events: list[tuple[BaseModel, date]] = [
        (b.opened(CASE, date(2026, 11, 2)), D1),
        (b.granted(CASE, decided_on=D1, start=date(2026, 12, 1), end=date(2027, 3, 31)), D1),
        (b.suspended(CASE, 2, date(2026, 12, 10)), D2),
        (b.resumed(CASE, 3, date(2027, 1, 5)), D3),
    ]
    expected = history("case", stored(events))
    for order in itertools.permutations(events):
        assert history("case", stored(list(order))) == expected


def _as_of(rows: list[Delta], day: date) -> dict[tuple[str, str, str], Decimal]:
    sums: defaultdict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.known_on <= day:
            sums[(row.month, row.metric, row.key)] += row.value
    return {cell: value for cell, value in sums.items() if value}


def test_no_fact_carries_a_personal_code_name_iban_free_text_or_raw_id() -> None:
    events: list[BaseModel] = [
        b.submitted("app-1", D1),
        b.opened("app-1", D1),
        b.granted("app-1", decided_on=D1, start=D2, end=D3),
        b.suspended("app-1", 2, D2),
        b.assistant_registered("asst-1"),
        b.timesheet_approved(
            "ts-1", "asst-1", "app-1", "2026-12", b.approved_days("2026-12", ["1"])
        ),
        b.payment_issued("asst-1", "2026-12", "1", "5.11"),
    ]
    facts: list[Fact] = [f for event in events for f in facts_of(event, pseudo)]
    text = repr([(f.key, f.body) for f in facts])
    for needle in (
        b.PERSON_CODE,
        b.FIRST_NAME,
        b.LAST_NAME,
        b.IBAN,
        "app-1",
        "asst-1",
        "ts-1",
        "hospital",
        "Rīgas iela",
    ):
        assert needle not in text
    assert not facts_of(b.assistant_registered("asst-1"), pseudo)


def _brute_force_hours(
    start: date, end: date, hours: Decimal, unit: Unit, stays: list[tuple[date, date]]
) -> dict[str, Decimal]:
    """Day by day: the definition of hours granted, to check the stretch arithmetic."""
    sums: defaultdict[str, Decimal] = defaultdict(Decimal)
    day = start
    while day <= end:
        if not any(first <= day <= last for first, last in stays):
            per_day = (
                hours / 7
                if unit == Unit.WEEK
                else (hours / calendar.monthrange(day.year, day.month)[1])
            )
            sums[f"{day:%Y-%m}"] += per_day
        day += timedelta(days=1)
    return {m: v.quantize(Decimal("0.01")) for m, v in sums.items()}


@settings(max_examples=60, deadline=None)
@given(
    length=st.integers(min_value=0, max_value=200),
    stay_start=st.integers(min_value=0, max_value=220),
    stay_length=st.integers(min_value=1, max_value=90),
    resumed=st.booleans(),
    monthly=st.booleans(),
    hours=st.integers(min_value=1, max_value=160),
)
def test_hours_granted_by_stretches_equal_the_day_by_day_definition(
    length: int, stay_start: int, stay_length: int, resumed: bool, monthly: bool, hours: int
) -> None:
    start = date(2026, 12, 10)
    end = start + timedelta(days=length)
    unit = Unit.MONTH if monthly else Unit.WEEK
    suspended_from = start + timedelta(days=stay_start)
    back = suspended_from + timedelta(days=stay_length)
    events: list[tuple[BaseModel, date]] = [
        (b.granted(CASE, decided_on=D1, start=start, end=end, hours=str(hours), unit=unit), D1),
        (b.suspended(CASE, 2, suspended_from), D2),
    ]
    if resumed:
        events.append((b.resumed(CASE, 3, back), D2))
    stay_end = back - timedelta(days=1) if resumed else end
    expected = _brute_force_hours(start, end, Decimal(hours), unit, [(suspended_from, stay_end)])
    figures = cells("case", events)
    got = {m: v for (m, metric, _), v in figures.items() if metric == "hours_granted"}
    assert got == {m: v for m, v in expected.items() if v}
    active = {m for (m, metric, _) in figures if metric == "clients_active"}
    assert active == set(_brute_force_active(start, end, suspended_from, stay_end))


def _brute_force_active(start: date, end: date, first: date, last: date) -> set[str]:
    months = set()
    day = start
    while day <= end:
        if not first <= day <= last:
            months.add(f"{day:%Y-%m}")
        day += timedelta(days=1)
    return months


def test_clients_served_are_those_with_paid_hours_by_the_group_of_their_grant() -> None:
    grant = b.granted(
        CASE,
        decided_on=D1,
        start=date(2026, 11, 1),
        end=date(2027, 6, 30),
        age_group=AgeGroup.CHILD,
        unit=Unit.MONTH,
        hours="100",
    )
    paid = b.payment_issued("a1", "2026-11", "10", "51.10", case_id=CASE)
    recovered = b.payment_issued("a1", "2026-12", "-2", "-10.22", case_id=CASE)
    for order in ([grant, paid, recovered], [paid, recovered, grant]):
        facts = _only([(event, D2) for event in order], "client")
        assert contribution("client", facts) == {
            ("2026-11", "clients_served", ""): 1,
            ("2026-11", "clients_served_children", ""): 1,
        }
    unknown_group = _only([(paid, D2)], "client")
    assert contribution("client", unknown_group) == {("2026-11", "clients_served", ""): 1}


def test_a_resumption_on_or_before_the_suspension_day_removes_no_day() -> None:
    grant = b.granted(CASE, decided_on=D1, start=date(2026, 12, 1), end=date(2026, 12, 31))
    same_day = cells(
        "case",
        [
            (grant, D1),
            (b.suspended(CASE, 2, date(2026, 12, 10)), D2),
            (b.resumed(CASE, 3, date(2026, 12, 10)), D2),
        ],
    )
    assert same_day[("2026-12", "hours_granted", "")] == Decimal("119.57")
    # A resumption dated before its suspension (bad data) neither removes nor doubles days.
    before = cells(
        "case",
        [
            (grant, D1),
            (b.suspended(CASE, 2, date(2026, 12, 10)), D2),
            (b.resumed(CASE, 3, date(2026, 12, 5)), D2),
        ],
    )
    assert before[("2026-12", "hours_granted", "")] == Decimal("119.57")
