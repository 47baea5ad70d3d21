"""The ministry report: granted hours in a month, the administration cap, the files."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from services.payments.report import GrantPeriod, administration_amount, granted_hours
from services.payments.report_files import SECTIONS, report_csv, report_xlsx
from shared.contracts.payments import MonthlyFigures
from shared.municipalities import MUNICIPALITIES

FIGURES = MonthlyFigures(
    clients_served_adults=3,
    clients_served_children=1,
    clients_served_vision=1,
    assistants_paid=3,
    hours_granted=Decimal("400.00"),
    hours_approved=Decimal("310.5"),
    hours_paid=Decimal("310.5"),
    gross=Decimal("1283.89"),
    employer_contributions=Decimal("302.77"),
    total=Decimal("1586.66"),
    administration_amount=Decimal("80.73"),
    applications_received=6,
    applications_granted=3,
    applications_refused=1,
    applications_decided_late=1,
)


def test_a_week_grant_counts_its_days_in_force_over_seven() -> None:
    periods = [GrantPeriod(date(2026, 11, 16), "week", Decimal(20))]
    hours = granted_hours(periods, date(2027, 11, 15), [], "2026-11")
    assert hours == Decimal("42.86")  # 15 days × 20 / 7


def test_a_month_grant_counts_its_share_of_the_month() -> None:
    periods = [GrantPeriod(date(2026, 1, 1), "month", Decimal(80))]
    assert granted_hours(periods, date(2027, 1, 1), [], "2026-11") == Decimal("80.00")


def test_an_amendment_counts_from_its_day_and_a_suspension_not_at_all() -> None:
    periods = [
        GrantPeriod(date(2026, 1, 1), "week", Decimal(14)),
        GrantPeriod(date(2026, 11, 16), "week", Decimal(28)),  # amended (rules.md §5.5)
    ]
    stays: list[tuple[date, date | None]] = [(date(2026, 11, 23), date(2026, 11, 30))]
    # 15 days at 2 h, 7 days at 4 h, 7 suspended days, 1 day (the 30th) at 4 h.
    expected = Decimal(15 * 2 + 7 * 4 + 4)
    assert granted_hours(periods, date(2027, 1, 1), stays, "2026-11") == expected


def test_a_grant_ended_in_the_month_counts_to_its_last_day() -> None:
    periods = [GrantPeriod(date(2026, 1, 1), "week", Decimal(7))]
    assert granted_hours(periods, date(2026, 11, 10), [], "2026-11") == Decimal("10.00")


def test_the_administration_amount_is_at_most_0_26_per_paid_hour_from_april_2023() -> None:
    assert administration_amount([(date(2023, 4, 1), Decimal(100))]) == Decimal("26.00")
    assert administration_amount([(date(2023, 1, 1), Decimal(100))]) == Decimal("0.00")


def test_the_csv_has_the_latvian_labels_and_every_figure() -> None:
    content = report_csv(MUNICIPALITIES["ludza"], "2026-11", FIGURES).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0] == ["Pašvaldība", "Ludzas novada pašvaldība"]
    values = {row[1]: row[2] for row in rows[4:]}
    assert values["Apmaksātās stundas"] == "310.5"
    assert values["Lēmumi, kas pieņemti pēc termiņa"] == "1"
    assert len(values) == len(MonthlyFigures.model_fields)


def test_the_workbook_has_a_sheet_per_section() -> None:
    book = load_workbook(io.BytesIO(report_xlsx(MUNICIPALITIES["ludza"], "2026-11", FIGURES)))
    assert book.sheetnames == ["Pārskats", *(name for name, _ in SECTIONS)]
    money = {row[0]: row[1] for row in book["Finansējums"].iter_rows(min_row=2, values_only=True)}
    assert money["Kopā izmaksāts, EUR"] == 1586.66
