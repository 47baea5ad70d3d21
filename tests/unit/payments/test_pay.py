"""Planning a payment: priced by the day worked, owed minus paid, recoveries (rules.md §8)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from services.payments.pay import (
    ApprovedDay,
    AssistantMonth,
    LineKey,
    PaidLine,
    PlannedPayment,
    plan_payment,
    totals_of,
)
from shared.rules import LineMoney, TaxStatus

MARCH_2023 = date(2023, 3, 1)
NOV_2026 = date(2026, 11, 1)


def month(
    days: list[ApprovedDay], paid: list[PaidLine] | None = None, **kw: object
) -> AssistantMonth:
    fields: dict[str, object] = {
        "assistant_id": "a1",
        "tax_status": TaxStatus.EMPLOYEE_LIKE,
        "tax_book_held": False,
        "approved": days,
        "paid": paid or [],
    }
    return AssistantMonth(**(fields | kw))  # type: ignore[arg-type]


def day(on: date, hours: str, case: str = "c1", sheet: str = "t1") -> ApprovedDay:
    return ApprovedDay(case, sheet, on, Decimal(hours))


def paid_lines(payment: PlannedPayment) -> list[PaidLine]:
    """What the payment paid, as payment_lines stores it."""
    return [
        PaidLine(
            LineKey(line.case_id, line.timesheet_id, line.rate_from),
            line.hours,
            LineMoney(
                hourly_amount=line.hourly_amount,
                administration_amount=Decimal(0),
                **line.money.model_dump(),
            ),
        )
        for line in payment.lines
    ]


def test_a_rate_change_inside_the_month_gives_one_line_per_rate_by_the_day_worked() -> None:
    payment = plan_payment(
        month([day(date(2023, 3, 31), "8"), day(date(2023, 4, 3), "8")]), MARCH_2023
    )
    assert payment is not None
    assert [(line.rate_from, line.hourly_amount) for line in payment.lines] == [
        (date(2023, 1, 1), Decimal("4.79")),
        (date(2023, 4, 1), Decimal("5.11")),
    ]
    assert [line.money.total_cost for line in payment.lines] == [Decimal("38.32"), Decimal("40.88")]


def test_self_employed_are_paid_the_whole_amount_without_withholding() -> None:
    payment = plan_payment(
        month([day(date(2026, 11, 2), "10")], tax_status=TaxStatus.SELF_EMPLOYED), NOV_2026
    )
    assert payment is not None
    assert payment.money.net == payment.money.gross == payment.money.total_cost == Decimal("51.10")
    assert payment.money.income_tax == payment.money.employee_contribution == 0


def test_all_clients_of_the_month_are_one_payment_with_a_line_each() -> None:
    payment = plan_payment(
        month([day(date(2026, 11, 2), "4", "c1", "t1"), day(date(2026, 11, 2), "3", "c2", "t2")]),
        NOV_2026,
    )
    assert payment is not None
    assert [line.case_id for line in payment.lines] == ["c1", "c2"]
    assert payment.hours == Decimal(7)


def test_a_month_already_paid_in_full_plans_nothing() -> None:
    days = [day(date(2026, 11, 2), "8")]
    first = plan_payment(month(days), NOV_2026)
    assert first is not None
    assert plan_payment(month(days, paid_lines(first)), NOV_2026) is None


def test_a_correction_after_payment_pays_only_the_difference() -> None:
    first = plan_payment(month([day(date(2026, 11, 2), "8")]), NOV_2026)
    assert first is not None
    corrected = [day(date(2026, 11, 2), "8"), day(date(2026, 11, 3), "4")]
    second = plan_payment(month(corrected, paid_lines(first)), NOV_2026)
    assert second is not None
    assert second.hours == Decimal(4)
    whole = plan_payment(month(corrected), NOV_2026)
    assert whole is not None
    assert first.money.total_cost + second.money.total_cost == whole.money.total_cost
    assert first.money.net + second.money.net == whole.money.net


def test_a_negative_correction_is_a_recovery_never_a_negative_transfer() -> None:
    first = plan_payment(month([day(date(2026, 11, 2), "8")]), NOV_2026)
    assert first is not None
    fewer = plan_payment(month([day(date(2026, 11, 2), "5")], paid_lines(first)), NOV_2026)
    assert fewer is not None
    assert fewer.hours == Decimal(-3)
    assert fewer.money.net < 0
    assert fewer.transfer == 0


def test_an_over_payment_due_is_netted_against_the_next_payment() -> None:
    next_month = plan_payment(
        month([day(date(2026, 11, 2), "8")], recovery_due=Decimal("12.34")), NOV_2026
    )
    assert next_month is not None
    assert next_month.recovered == Decimal("12.34")
    assert next_month.transfer == next_month.money.net - Decimal("12.34")


def test_a_recovery_larger_than_the_payment_leaves_the_rest_due_and_transfers_nothing() -> None:
    small = plan_payment(
        month([day(date(2026, 11, 2), "1")], recovery_due=Decimal("100")), NOV_2026
    )
    assert small is not None
    assert small.recovered == small.money.net
    assert small.transfer == 0


def test_the_administration_amount_is_0_26_per_paid_hour_from_april_2023_only() -> None:
    payment = plan_payment(
        month([day(date(2023, 3, 31), "10"), day(date(2023, 4, 3), "10")]), MARCH_2023
    )
    assert payment is not None
    assert payment.administration_amount == Decimal("2.60")  # 10 h × 0.26; March: nothing


def test_the_tax_book_holder_alone_applies_the_non_taxable_minimum() -> None:
    days = [day(date(2026, 11, 2), "100")]
    holder = plan_payment(month(days, tax_book_held=True), NOV_2026)
    other = plan_payment(month(days, tax_book_held=False), NOV_2026)
    assert holder is not None and other is not None
    assert holder.money.income_tax == 0  # 370.05 after social tax, under the 550 of VID 2026
    assert other.money.income_tax > 0
    assert other.money.gross == holder.money.gross


def test_totals_equal_the_sum_of_the_lines_to_the_cent_over_1000_random_months() -> None:
    rng = random.Random(20261202)
    for _ in range(1000):
        first = date(rng.choice([2022, 2023, 2024, 2025, 2026]), rng.randint(1, 12), 1)
        days = [
            day(
                first + timedelta(days=rng.randint(0, 27)),
                f"{rng.randint(0, 12)}.{rng.choice(['0', '25', '5', '75'])}",
                f"c{rng.randint(1, 3)}",
                f"t{rng.randint(1, 3)}",
            )
            for _ in range(rng.randint(1, 30))
        ]
        status = rng.choice(list(TaxStatus))
        payment = plan_payment(
            month(days, tax_status=status, tax_book_held=rng.random() < 0.5), first
        )
        assert payment is not None
        for part in ("gross", "employer_contribution", "employee_contribution", "income_tax"):
            lines = sum(getattr(line.money, part) for line in payment.lines)
            assert getattr(payment.money, part) == lines
        assert payment.money.net == sum(line.money.net for line in payment.lines)
        assert payment.money.total_cost == payment.money.gross + payment.money.employer_contribution
        for line in payment.lines:
            assert line.money.total_cost == line.money.gross + line.money.employer_contribution
            assert line.money.net == (
                line.money.gross - line.money.employee_contribution - line.money.income_tax
            )
            for value in line.money.model_dump().values():
                assert value == value.quantize(Decimal("0.01"))
        totals = totals_of([payment])
        assert totals.money.net == payment.money.net
