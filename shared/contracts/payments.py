"""Events published by payments (architecture.md §2): runs, payments, bank files, reports.

Two aggregates write them: the *payment run* of one municipality and month of work
(stream ``run-<run id>``; ``month`` = the month worked, ``"YYYY-MM"``) and the *monthly
report* (stream ``report-<municipality>-<month>``). Money is exact decimal EUR, rounded
half-up to cents per line (rules.md §8.2); totals are sums of lines.

Personal data (legal.md §8): no IBAN, name or personal code in any event; assistants are
named by ``assistant_id``. The bank file (which holds IBANs and names) is stored by this
service and referred to by its SHA-256 only. ``MonthlyReportSubmitted`` carries figures only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from shared.contracts.timesheets import MONTH_PATTERN
from shared.events.registry import event

SERVICE = "payments"

RunKind = Literal["regular", "supplementary", "reissue"]


class Money(BaseModel):
    """The parts of a payment (rules.md §8.2); total_cost = gross + employer_contribution."""

    gross: Decimal
    employer_contribution: Decimal
    employee_contribution: Decimal
    income_tax: Decimal
    net: Decimal = Field(description="What the bank transfer pays")
    total_cost: Decimal = Field(description="gross + employer_contribution: the state money")


class PaymentLine(BaseModel):
    """Hours of one client at one hourly amount (the rate by the day worked, rules.md §8.2)."""

    case_id: str
    timesheet_id: str
    rate_from: date = Field(description="First day of the rate period of these hours")
    hourly_amount: Decimal = Field(description="State hourly amount, employer costs included")
    hours: Decimal = Field(description="Negative on a recovery line")
    money: Money


class RunTotals(BaseModel):
    assistants: int
    payments: int
    hours: Decimal
    money: Money
    administration_amount: Decimal = Field(description="Up to 0.26 EUR per paid hour (§8.2)")


@event(SERVICE)
class PaymentRunOpened(BaseModel):
    """Finance opened a run for a month of work; a draft with a preview of the totals."""

    run_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    kind: RunKind
    opened_on: date
    opened_by: str = Field(description="Actor of the finance user (token id, not a name)")
    totals: RunTotals


@event(SERVICE)
class PaymentRunApproved(BaseModel):
    """A second finance user approved the run (four eyes); payments follow."""

    run_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    kind: RunKind
    approved_on: date
    approved_by: str
    totals: RunTotals


@event(SERVICE)
class PaymentIssued(BaseModel):
    """One payment to one assistant for a month (all clients together), rules.md §8.1."""

    payment_id: str
    run_id: str
    assistant_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    tax_status: Literal["employee_like", "self_employed"]
    hours: Decimal
    money: Money
    lines: list[PaymentLine]
    recovered: Decimal = Field(
        default=Decimal(0), description="Earlier over-payment netted against this payment"
    )


@event(SERVICE)
class PaymentBatchExported(BaseModel):
    """The run's SEPA credit transfer file (pain.001.001.09) was written and validated."""

    run_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    file_name: str
    file_sha256: str
    message_id: str = Field(description="GrpHdr/MsgId of the file")
    transactions: int
    control_sum: Decimal
    exported_on: date


@event(SERVICE)
class PaymentReturned(BaseModel):
    """The bank returned or rejected a payment (camt.054 / pain.002), with its reason code."""

    payment_id: str
    run_id: str
    assistant_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    amount: Decimal
    reason_code: str = Field(description="ISO 20022 reason, e.g. AC04 closed account")
    returned_on: date


@event(SERVICE)
class PaymentReissued(BaseModel):
    """A returned payment was paid again (after the IBAN was corrected), exactly once."""

    payment_id: str = Field(description="The new payment")
    original_payment_id: str
    run_id: str
    assistant_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    amount: Decimal


class MonthlyFigures(BaseModel):
    """The municipality's monthly report to the ministry (rules.md §9): figures only."""

    clients_served_adults: int
    clients_served_children: int
    clients_served_vision: int
    assistants_paid: int
    hours_granted: Decimal
    hours_approved: Decimal
    hours_paid: Decimal
    gross: Decimal
    employer_contributions: Decimal
    total: Decimal
    administration_amount: Decimal
    applications_received: int
    applications_granted: int
    applications_refused: int
    applications_decided_late: int


@event(SERVICE)
class MonthlyReportSubmitted(BaseModel):
    """Finance submitted the month's report to the ministry (rules.md §9, S0)."""

    report_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    submitted_on: date
    submitted_by: str
    figures: MonthlyFigures
