"""Payment arithmetic for one line: hours × state amount -> gross, taxes, net (rules.md §8.2)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict

from shared.rules.rates import (
    MinimumWageTable,
    administration_rate_cap,
    hourly_rate,
    tax_rates_on,
)
from shared.rules.tables import TaxRates
from shared.rules.vocabulary import TaxStatus

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cents(amount: Decimal) -> Decimal:
    """rules.md §8.2: exact decimal, rounded half-up to cents per payment line."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class PaymentLine(BaseModel):
    """One assistant's pay for hours at one hourly amount (one line of a payment)."""

    model_config = ConfigDict(frozen=True)

    on: date  # a day of the work; selects the dated amounts
    hours: Decimal
    tax_status: TaxStatus
    hourly_amount: Decimal  # state amount, all employer costs included
    total_cost: Decimal  # hours × hourly_amount: what the state pays for the work
    gross: Decimal
    employer_contribution: Decimal
    employee_contribution: Decimal
    income_tax: Decimal
    net: Decimal  # transferred to the assistant
    administration_amount: Decimal  # to the municipality, on top of total_cost


def compute_payment_line(
    hours: Decimal,
    on: date,
    tax_status: TaxStatus | str,
    *,
    minimum_wage_table: MinimumWageTable | None = None,
    tax_rates: TaxRates | None = None,
    non_taxable_amount: Decimal = ZERO,
    administration_rate: Decimal | None = None,
) -> PaymentLine:
    """rules.md §8.2: the money for `hours` of approved work paid at the amount of `on`.

    Employee-like: the state amount includes the employer's social contribution, which is
    23.59 % on top of gross, so gross = total / 1.2359 (half-up to cents) and the employer
    contribution is the rest, total − gross, so that the two always add up to the total.
    The employee's social contribution is withheld from gross, income tax from what is left
    less `non_taxable_amount` (the non-taxable minimum and allowances, worked out by payroll
    for the month; out of scope here and 0 by default). Self-employed: the whole amount is
    the gross and is paid without withholding; the assistant pays own taxes.
    `administration_rate` (default: the cap of the date) gives the municipality's amount.
    """
    status = TaxStatus(tax_status)
    if hours < 0 or not hours.is_finite():
        raise ValueError(f"hours must be a finite number 0 or more, got {hours}")
    if non_taxable_amount < 0:
        raise ValueError("non_taxable_amount must not be negative")
    amount = hourly_rate(on, minimum_wage_table)
    total = to_cents(hours * amount)
    if status is TaxStatus.SELF_EMPLOYED:
        gross, employer, employee, income_tax = total, ZERO, ZERO, ZERO
    else:
        rates = tax_rates if tax_rates is not None else tax_rates_on(on)
        gross = to_cents(total / (1 + rates.employer_social))
        employer = total - gross
        employee = to_cents(gross * rates.employee_social)
        taxable = max(ZERO, gross - employee - non_taxable_amount)
        income_tax = to_cents(taxable * rates.income_tax)
    cap = administration_rate_cap(on)
    admin_rate = cap if administration_rate is None else administration_rate
    if not ZERO <= admin_rate <= cap:
        raise ValueError(f"administration rate must be 0 to {cap} on {on.isoformat()}")
    return PaymentLine(
        on=on,
        hours=hours,
        tax_status=status,
        hourly_amount=amount,
        total_cost=total,
        gross=gross,
        employer_contribution=employer,
        employee_contribution=employee,
        income_tax=income_tax,
        net=gross - employee - income_tax,
        administration_amount=to_cents(hours * admin_rate),
    )
