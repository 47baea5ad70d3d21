"""Read models of the payments service's own events: runs, payments, lines, recoveries, reports.

``project`` runs in the transaction that appends the event (handlers.py); ``rebuild``
empties these tables and replays the event store. The upstream tables (consumers) and the
bank records (``bank_files``, ``transfers``) are not derived from these events and stay.
"""

from __future__ import annotations

import json
from decimal import Decimal

from pydantic import BaseModel

from shared.contracts.payments import (
    MonthlyReportSubmitted,
    PaymentBatchExported,
    PaymentIssued,
    PaymentReissued,
    PaymentReturned,
    PaymentRunApproved,
    PaymentRunOpened,
)
from shared.events.envelope import Envelope
from shared.store.eventstore import EventStore
from shared.store.types import Connection

ZERO = Decimal("0.00")
TABLES = ("runs", "payments", "payment_lines", "recoveries", "reports")


async def project(conn: Connection, envelope: Envelope, event: BaseModel) -> None:
    municipality = envelope.municipality
    match event:
        case PaymentRunOpened():
            await conn.execute(
                "insert into runs (run_id, municipality, month, kind, status, opened_on,"
                " opened_by, totals) values ($1, $2, $3, $4, 'draft', $5, $6, $7::jsonb)",
                event.run_id,
                municipality,
                event.month,
                event.kind,
                event.opened_on,
                event.opened_by,
                event.totals.model_dump_json(),
            )
        case PaymentRunApproved():
            await conn.execute(
                "update runs set status = 'approved', approved_on = $2, approved_by = $3,"
                " totals = $4::jsonb where run_id = $1",
                event.run_id,
                event.approved_on,
                event.approved_by,
                event.totals.model_dump_json(),
            )
        case PaymentIssued():
            await _issued(conn, municipality, event)
        case PaymentReissued():
            await conn.execute(
                "insert into payments (payment_id, run_id, municipality, month, assistant_id,"
                " tax_status, hours, gross, employer_contribution, employee_contribution,"
                " income_tax, net, total_cost, recovered, transfer, status, original_payment_id)"
                " select $1, $2, $3, $4, $5, tax_status, 0, 0, 0, 0, 0, 0, 0, 0, $6, 'issued', $7"
                " from payments where payment_id = $7",
                event.payment_id,
                event.run_id,
                municipality,
                event.month,
                event.assistant_id,
                event.amount,
                event.original_payment_id,
            )
            await conn.execute(
                "update payments set status = 'reissued', reissued_as = $2 where payment_id = $1",
                event.original_payment_id,
                event.payment_id,
            )
        case PaymentReturned():
            await conn.execute(
                "update payments set status = 'returned', return_reason = $2 where payment_id = $1",
                event.payment_id,
                event.reason_code,
            )
        case PaymentBatchExported():
            await conn.execute(
                "update runs set file_name = $2, file_sha256 = $3 where run_id = $1",
                event.run_id,
                event.file_name,
                event.file_sha256,
            )
        case MonthlyReportSubmitted():
            await conn.execute(
                "insert into reports (municipality, month, report_id, submitted_on,"
                " submitted_by, figures) values ($1, $2, $3, $4, $5, $6::jsonb)",
                municipality,
                event.month,
                event.report_id,
                event.submitted_on,
                event.submitted_by,
                json.dumps(event.figures.model_dump(mode="json")),
            )


async def _issued(conn: Connection, municipality: str, event: PaymentIssued) -> None:
    money = event.money
    transfer = max(money.net - event.recovered, ZERO)
    await conn.execute(
        "insert into payments (payment_id, run_id, municipality, month, assistant_id,"
        " tax_status, hours, gross, employer_contribution, employee_contribution, income_tax,"
        " net, total_cost, recovered, transfer, status)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'issued')",
        event.payment_id,
        event.run_id,
        municipality,
        event.month,
        event.assistant_id,
        event.tax_status,
        event.hours,
        money.gross,
        money.employer_contribution,
        money.employee_contribution,
        money.income_tax,
        money.net,
        money.total_cost,
        event.recovered,
        transfer,
    )
    await conn.executemany(
        "insert into payment_lines (payment_id, line_no, municipality, month, assistant_id,"
        " case_id, timesheet_id, rate_from, hourly_amount, hours, gross, employer_contribution,"
        " employee_contribution, income_tax, net, total_cost)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        [
            (
                event.payment_id,
                number,
                municipality,
                event.month,
                event.assistant_id,
                line.case_id,
                line.timesheet_id,
                line.rate_from,
                line.hourly_amount,
                line.hours,
                line.money.gross,
                line.money.employer_contribution,
                line.money.employee_contribution,
                line.money.income_tax,
                line.money.net,
                line.money.total_cost,
            )
            for number, line in enumerate(event.lines, start=1)
        ],
    )
    # rules.md §8: an over-payment (negative net) stays due; a later payment nets it.
    change = max(-money.net, ZERO) - event.recovered
    if change != 0:
        await conn.execute(
            "insert into recoveries (municipality, assistant_id, due) values ($1, $2, $3)"
            " on conflict (municipality, assistant_id) do update"
            " set due = recoveries.due + excluded.due",
            municipality,
            event.assistant_id,
            change,
        )


async def rebuild(conn: Connection, store: EventStore, batch: int = 1000) -> int:
    """Empty the read models and replay every event in commit order; returns the count."""
    count = 0
    async with conn.transaction():
        await conn.execute(f"truncate {', '.join(TABLES)}")
        position = 0
        while True:
            recorded = await store.read_all(conn, after_position=position, limit=batch)
            if not recorded:
                return count
            for item in recorded:
                await project(conn, item.envelope, store.decode(item.envelope))
                position = item.position
                count += 1
