"""Monthly withholding data beside tables.py (rules.md §8.2 decision: dated data)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.rules.tables import Dated

# Monthly withholding for an employee-like assistant (rules.md §8.2 decision: dated data).
# Source: the State Revenue Service (VID), "Iedzīvotāju ienākuma nodokļa likmes un
# neapliekamais minimums" (vid.gov.lv), from the Law on Personal Income Tax
# (likums "Par iedzīvotāju ienākuma nodokli", art. 12 and 15 as amended).

# The monthly non-taxable minimum (*neapliekamais minimums*) an employer applies only when
# it holds the employee's electronic tax book (*algas nodokļa grāmatiņa*). Until 2024 it
# was "differentiated": VID forecast each person's amount, at most these figures; payments
# applies the maximum (docs/payments.md), exact for pay up to the lower income limit of each
# year. From 2025 it is one fixed amount for everyone.
NON_TAXABLE_MINIMUM_MONTHLY: Dated = (
    (date(2021, 1, 1), Decimal("300.00")),  # VID: max differentiated minimum 2021
    (date(2022, 1, 1), Decimal("350.00")),  # VID: 2022 January–June
    (date(2022, 7, 1), Decimal("500.00")),  # VID: from 1 July 2022 (and 2023, 2024)
    (date(2025, 1, 1), Decimal("510.00")),  # VID: fixed minimum 2025
    (date(2026, 1, 1), Decimal("550.00")),  # VID: fixed minimum 2026
)


@dataclass(frozen=True)
class IncomeTaxThreshold:
    """The annual income above which the higher income-tax rate applies (VID)."""

    effective_from: date
    annual_threshold: Decimal  # EUR a year; an employer withholds by twelfths of it a month
    rate_above: Decimal  # the rate on income above the threshold
    source: str

    @property
    def monthly_threshold(self) -> Decimal:
        return (self.annual_threshold / 12).quantize(Decimal("0.01"))


INCOME_TAX_THRESHOLDS: tuple[IncomeTaxThreshold, ...] = (
    IncomeTaxThreshold(
        date(2021, 1, 1),
        Decimal("20004"),
        Decimal("0.23"),
        "VID 2021–2024: 20 % up to 20 004 EUR a year (1 667 a month), 23 % above",
    ),
    IncomeTaxThreshold(
        date(2025, 1, 1),
        Decimal("105300"),
        Decimal("0.33"),
        "VID from 2025: 25.5 % up to 105 300 EUR a year (8 775 a month), 33 % above",
    ),
)
