"""Read models of the payments service's own events: runs, payments, lines, recoveries, reports.

``project`` runs in the transaction that appends the event (handlers.py); ``rebuild``
empties these tables and replays the event store. The upstream tables (consumers) and the
bank records (``bank_files``, ``transfers``) are not derived from these events and stay.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from shared.aggregate import ByType
from shared.contracts import payments as pc
from shared.events.envelope import Envelope
from shared.row_statements import (
    Projector,
    RowStatement,
    applies,
    envelope_municipality,
    projection_by_type,
)
from shared.store.eventstore import EventStore
from shared.store.replay import replay_into
from shared.store.types import Connection

ZERO = Decimal("0.00")
TABLES = ("runs", "payments", "payment_lines", "recoveries", "reports")


# One projection per event type (decisions' read_models/projections.py shape): most are a
# line of ``_ROWS``, the statements it runs with the event's fields (shared/row_statements.py);
# the payment, whose lines and recoveries take more than a row, is a function
# (``@projects``). A test checks the set of types against payments' events.
_PROJECTORS: ByType[Projector] = ByType("a projection")
projects = _PROJECTORS.register


def projected_event_types() -> frozenset[type[Any]]:
    return _PROJECTORS.types


# Applies one event to the read models (an event they do not show is ignored).
project = projection_by_type(_PROJECTORS)


def _totals(_envelope: Envelope, event: pc.PaymentRunOpened | pc.PaymentRunApproved) -> str:
    return event.totals.model_dump_json()


def _figures(_envelope: Envelope, event: pc.MonthlyReportSubmitted) -> str:
    return json.dumps(event.figures.model_dump(mode="json"))


_ROWS: dict[type[BaseModel], tuple[RowStatement, ...]] = {
    pc.PaymentRunOpened: (
        RowStatement(
            "insert into runs (run_id, municipality, month, kind, status, opened_on,"
            " opened_by, totals) values ($1, $2, $3, $4, 'draft', $5, $6, $7::jsonb)",
            ("run_id", envelope_municipality, "month", "kind", "opened_on", "opened_by", _totals),
        ),
    ),
    pc.PaymentRunApproved: (
        RowStatement(
            "update runs set status = 'approved', approved_on = $2, approved_by = $3,"
            " totals = $4::jsonb where run_id = $1",
            ("run_id", "approved_on", "approved_by", _totals),
        ),
    ),
    # A new payment of the returned one's amount; the original is marked re-issued.
    pc.PaymentReissued: (
        RowStatement(
            "insert into payments (payment_id, run_id, municipality, month, assistant_id,"
            " tax_status, hours, gross, employer_contribution, employee_contribution,"
            " income_tax, net, total_cost, recovered, transfer, status, original_payment_id)"
            " select $1, $2, $3, $4, $5, tax_status, 0, 0, 0, 0, 0, 0, 0, 0, $6, 'issued', $7"
            " from payments where payment_id = $7",
            (
                "payment_id",
                "run_id",
                envelope_municipality,
                "month",
                "assistant_id",
                "amount",
                "original_payment_id",
            ),
        ),
        RowStatement.of(
            "update payments set status = 'reissued', reissued_as = $2 where payment_id = $1",
            "original_payment_id payment_id",
        ),
    ),
    pc.PaymentReturned: (
        RowStatement.of(
            "update payments set status = 'returned', return_reason = $2 where payment_id = $1",
            "payment_id reason_code",
        ),
    ),
    pc.PaymentBatchExported: (
        RowStatement.of(
            "update runs set file_name = $2, file_sha256 = $3 where run_id = $1",
            "run_id file_name file_sha256",
        ),
    ),
    pc.MonthlyReportSubmitted: (
        RowStatement(
            "insert into reports (municipality, month, report_id, submitted_on,"
            " submitted_by, figures) values ($1, $2, $3, $4, $5, $6::jsonb)",
            (
                envelope_municipality,
                "month",
                "report_id",
                "submitted_on",
                "submitted_by",
                _figures,
            ),
        ),
    ),
}
for _event_type, _statements in _ROWS.items():
    _PROJECTORS.add(_event_type, applies(_statements))


@projects(pc.PaymentIssued)
async def payment_issued(conn: Connection, envelope: Envelope, event: pc.PaymentIssued) -> None:
    await _issued(conn, envelope.municipality, [event])


async def project_all(conn: Connection, envelopes: list[Envelope], events: list[BaseModel]) -> None:
    """``project`` for the events of one append, with all its payments in a few statements
    (an approval issues one per assistant: hundreds), giving the same rows."""
    issued = [e for e in events if isinstance(e, pc.PaymentIssued)]
    for envelope, event in zip(envelopes, events, strict=True):
        if not isinstance(event, pc.PaymentIssued):
            await project(conn, envelope, event)
    if issued:
        await _issued(conn, envelopes[0].municipality, issued)


async def _issued(conn: Connection, municipality: str, events: list[pc.PaymentIssued]) -> None:
    columns = (
        "payment_id, run_id, municipality, month, assistant_id, tax_status, hours, gross,"
        " employer_contribution, employee_contribution, income_tax, net, total_cost,"
        " recovered, transfer"
    )
    rows = [
        (
            e.payment_id,
            e.run_id,
            municipality,
            e.month,
            e.assistant_id,
            e.tax_status,
            e.hours,
            e.money.gross,
            e.money.employer_contribution,
            e.money.employee_contribution,
            e.money.income_tax,
            e.money.net,
            e.money.total_cost,
            e.recovered,
            max(e.money.net - e.recovered, ZERO),
        )
        for e in events
    ]
    await conn.execute(
        f"insert into payments ({columns}, status) select *, 'issued' from unnest("
        "$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
        " $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[],"
        " $12::numeric[], $13::numeric[], $14::numeric[], $15::numeric[])",
        *(list(column) for column in zip(*rows, strict=True)),
    )
    await conn.copy_records_to_table(
        "payment_lines",
        columns=[
            "payment_id",
            "line_no",
            "municipality",
            "month",
            "assistant_id",
            "case_id",
            "timesheet_id",
            "rate_from",
            "hourly_amount",
            "hours",
            "gross",
            "employer_contribution",
            "employee_contribution",
            "income_tax",
            "net",
            "total_cost",
        ],
        records=[
            (
                e.payment_id,
                number,
                municipality,
                e.month,
                e.assistant_id,
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
            for e in events
            for number, line in enumerate(e.lines, start=1)
        ],
    )
    # rules.md §8: an over-payment (negative net) stays due; a later payment nets it.
    changes: dict[str, Decimal] = {}
    for e in events:
        change = max(-e.money.net, ZERO) - e.recovered
        if change != 0:
            changes[e.assistant_id] = changes.get(e.assistant_id, ZERO) + change
    if changes:
        await conn.execute(
            "insert into recoveries (municipality, assistant_id, due)"
            " select $1, * from unnest($2::text[], $3::numeric[])"
            " on conflict (municipality, assistant_id) do update"
            " set due = recoveries.due + excluded.due",
            municipality,
            list(changes),
            list(changes.values()),
        )


async def rebuild(conn: Connection, store: EventStore, batch: int = 1000) -> int:
    """Empty the read models and replay every event in commit order; returns the count."""

    async def apply(envelope: Envelope, event: BaseModel) -> None:
        await project(conn, envelope, event)

    return await replay_into(conn, store, TABLES, apply, batch)
