"""What a run pays: the planned payments of a month, or the returned payments to re-send.

Read from this service's tables and priced by ``pay.py``; the same plan is the draft's
preview and, recomputed under the month's lock, what approval issues.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.payments.domain import month_start
from services.payments.pay import PlannedPayment, plan_payment, totals_of
from services.payments.queries import assistant_months, returned_to_reissue
from shared.contracts.payments import Money, RunKind, RunTotals
from shared.store.types import Connection

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Reissue:
    original_payment_id: str
    assistant_id: str
    amount: Decimal
    name: str
    iban: str


@dataclass(frozen=True)
class Plan:
    kind: RunKind
    payments: list[PlannedPayment]
    reissues: list[Reissue]
    waiting: list[str]  # assistants with hours whose registration has not arrived

    @property
    def totals(self) -> RunTotals:
        if self.kind != "reissue":
            return totals_of(self.payments)
        amount = sum((r.amount for r in self.reissues), ZERO)
        return RunTotals(
            assistants=len({r.assistant_id for r in self.reissues}),
            payments=len(self.reissues),
            hours=ZERO,
            money=Money(
                gross=ZERO,
                employer_contribution=ZERO,
                employee_contribution=ZERO,
                income_tax=ZERO,
                net=amount,
                total_cost=ZERO,
            ),
            administration_amount=ZERO,
        )

    @property
    def empty(self) -> bool:
        return not self.payments and not self.reissues


async def plan(conn: Connection, municipality: str, month: str, kind: RunKind) -> Plan:
    if kind == "reissue":
        rows = await returned_to_reissue(conn, municipality, month)
        reissues = [
            Reissue(r["payment_id"], r["assistant_id"], r["amount"], r["name"], r["iban"])
            for r in rows
        ]
        return Plan(kind, [], reissues, [])
    months, waiting = await assistant_months(conn, municipality, month)
    first = month_start(month)
    planned = [p for m in months if (p := plan_payment(m, first)) is not None]
    return Plan(kind, planned, [], waiting)
