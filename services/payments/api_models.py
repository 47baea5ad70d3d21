"""The shapes of the payments API's answers, for its OpenAPI description (issue #18).

The handlers build the answers (``api.py``, ``queries.py``, ``report_commands.py``); these
models describe them and the contract test (tests/contract) checks every answer against
them. Amounts are decimal text (exact); where an answer carries a recorded event or a
contract value, its model is that contract's own (shared/contracts/payments.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.payments import (
    Money,
    MonthlyFigures,
    PaymentBatchExported,
    PaymentLine,
    PaymentReturned,
    RunTotals,
)


class _Out(BaseModel):
    # A client must ignore fields it does not know: answers may grow.
    model_config = ConfigDict(extra="allow")


class PlannedPaymentOut(_Out):
    assistant_id: str
    name: str = Field(description="The assistant's first name (finance only)")
    tax_status: str
    hours: str
    money: Money
    recovered: str = Field(description="Overpayment recovered from this payment")
    transfer: str = Field(description="What the bank transfers")
    lines: list[PaymentLine]


class ReissueOut(_Out):
    original_payment_id: str
    assistant_id: str
    amount: str


class PlanOut(_Out):
    """The preview a finance user reviews before approving."""

    totals: RunTotals
    payments: list[PlannedPaymentOut]
    reissues: list[ReissueOut]
    waiting_for_registration: list[str] = Field(
        description="Assistants with approved hours whose registration has not arrived"
    )


class OpenedRunOut(PlanOut):
    run_id: str
    kind: str
    status: str = Field(description="draft")


class BankFileRef(_Out):
    file_name: str
    sha256: str


class RunOut(_Out):
    run_id: str
    month: str
    kind: str
    status: str = Field(description="draft or approved")
    opened_by: str
    approved_by: str | None
    opened_on: date
    approved_on: date | None
    totals: dict[str, Any]
    bank_file: BankFileRef | None


class RunList(_Out):
    items: list[RunOut]


class RunPaymentOut(_Out):
    payment_id: str
    assistant_id: str
    tax_status: str
    hours: str
    gross: str
    employer_contribution: str
    employee_contribution: str
    income_tax: str
    net: str
    total_cost: str
    recovered: str
    transfer: str
    status: str
    return_reason: str | None
    reissued_as: str | None
    original_payment_id: str | None


class RunDetailOut(RunOut):
    """A draft with its live ``preview``; an approved run with the ``payments`` it issued."""

    preview: PlanOut | None = None
    payments: list[RunPaymentOut] | None = None


class ApprovedRunOut(_Out):
    run_id: str
    status: str = Field(description="approved")
    totals: RunTotals
    payments: int = Field(ge=0, description="How many payments were issued")
    bank_file: PaymentBatchExported | None


class ReturnsOut(_Out):
    in_report: int = Field(ge=0, description="Returned payments the bank's report lists")
    recorded: list[PaymentReturned] = Field(description="Those recorded now (new ones)")


class SubmittedReportOut(_Out):
    report_id: str
    submitted_on: date
    submitted_by: str
    figures: MonthlyFigures


class ReportOut(_Out):
    municipality: str
    month: str
    figures: MonthlyFigures = Field(description="The figures as they are now")
    submitted: SubmittedReportOut | None = Field(description="What the ministry got, if sent")
