"""Reading this service's tables for planning runs, previews and reports."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from services.payments.pay import ApprovedDay, AssistantMonth, LineKey, PaidLine
from shared.rules import LineMoney, TaxStatus
from shared.store.types import Connection

ZERO = Decimal("0.00")


async def assistant_months(
    conn: Connection, municipality: str, month: str
) -> tuple[list[AssistantMonth], list[str]]:
    """Every assistant with approved or paid hours in the month, and the ids of assistants
    whose registration has not reached payments yet (they cannot be paid: no account)."""
    approved = await conn.fetch(
        "select t.assistant_id, t.case_id, t.timesheet_id, d.day, d.hours"
        " from timesheets t join approved_days d using (timesheet_id)"
        " where t.municipality = $1 and t.month = $2",
        municipality,
        month,
    )
    paid = await conn.fetch(
        "select assistant_id, case_id, timesheet_id, rate_from, hours, hourly_amount, gross,"
        " employer_contribution, employee_contribution, income_tax, net, total_cost"
        " from payment_lines where municipality = $1 and month = $2",
        municipality,
        month,
    )
    ids = sorted({r["assistant_id"] for r in approved} | {r["assistant_id"] for r in paid})
    people = {
        r["assistant_id"]: r
        for r in await conn.fetch(
            # An erased assistant (issue #9) has no account left: not paid, like one
            # whose registration has not arrived.
            "select assistant_id, tax_status, tax_book_held from assistants"
            " where assistant_id = any($1::text[]) and iban <> 'erased'",
            ids,
        )
    }
    due = {
        r["assistant_id"]: r["due"]
        for r in await conn.fetch(
            "select assistant_id, due from recoveries where municipality = $1 and due > 0",
            municipality,
        )
    }
    days: dict[str, list[ApprovedDay]] = {}
    for r in approved:
        days.setdefault(r["assistant_id"], []).append(
            ApprovedDay(r["case_id"], r["timesheet_id"], r["day"], r["hours"])
        )
    lines: dict[str, list[PaidLine]] = {}
    for r in paid:
        money = LineMoney(
            hourly_amount=r["hourly_amount"],
            total_cost=r["total_cost"],
            gross=r["gross"],
            employer_contribution=r["employer_contribution"],
            employee_contribution=r["employee_contribution"],
            income_tax=r["income_tax"],
            net=r["net"],
            administration_amount=ZERO,
        )
        key = LineKey(r["case_id"], r["timesheet_id"], r["rate_from"])
        lines.setdefault(r["assistant_id"], []).append(PaidLine(key, r["hours"], money))
    months = [
        AssistantMonth(
            assistant_id=i,
            tax_status=TaxStatus(people[i]["tax_status"]),
            tax_book_held=people[i]["tax_book_held"],
            approved=days.get(i, []),
            paid=lines.get(i, []),
            recovery_due=due.get(i, ZERO),
        )
        for i in ids
        if i in people
    ]
    return months, [i for i in ids if i not in people]


async def returned_to_reissue(conn: Connection, municipality: str, month: str) -> list[Any]:
    """Returned transfers whose assistant's IBAN has changed since (rules.md §8.3)."""
    return list(
        await conn.fetch(
            "select p.payment_id, p.assistant_id, t.amount, a.iban, a.name"
            " from payments p join transfers t using (payment_id)"
            " join assistants a on a.assistant_id = p.assistant_id"
            " where p.municipality = $1 and p.month = $2 and p.status = 'returned'"
            " and a.iban <> t.iban and a.iban <> 'erased' order by p.payment_id",
            municipality,
            month,
        )
    )


async def accounts(conn: Connection, assistant_ids: list[str]) -> dict[str, tuple[str, str]]:
    rows = await conn.fetch(
        "select assistant_id, name, iban from assistants where assistant_id = any($1::text[])",
        assistant_ids,
    )
    return {r["assistant_id"]: (r["name"], r["iban"]) for r in rows}


async def runs_of_month(conn: Connection, municipality: str, month: str) -> list[Any]:
    return list(
        await conn.fetch(
            "select run_id, kind, status from runs where municipality = $1 and month = $2"
            " order by opened_on, run_id",
            municipality,
            month,
        )
    )


def run_view(row: Any) -> dict[str, Any]:
    view = {k: row[k] for k in ("run_id", "month", "kind", "status", "opened_by", "approved_by")}
    view |= {
        "opened_on": row["opened_on"].isoformat(),
        "approved_on": row["approved_on"].isoformat() if row["approved_on"] else None,
        "totals": json.loads(row["totals"]),
        "bank_file": (
            {"file_name": row["file_name"], "sha256": row["file_sha256"]}
            if row["file_sha256"]
            else None
        ),
    }
    return view


async def get_run(conn: Connection, municipality: str, run_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "select * from runs where run_id = $1 and municipality = $2", run_id, municipality
    )
    return None if row is None else run_view(row)


async def list_runs(conn: Connection, municipality: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "select * from runs where municipality = $1 order by month, opened_on, run_id",
        municipality,
    )
    return [run_view(r) for r in rows]


async def run_payments(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "select payment_id, assistant_id, tax_status, hours, gross, employer_contribution,"
        " employee_contribution, income_tax, net, total_cost, recovered, transfer, status,"
        " return_reason, reissued_as, original_payment_id"
        " from payments where run_id = $1 order by assistant_id",
        run_id,
    )
    return [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rows]


async def bank_file(conn: Connection, municipality: str, run_id: str) -> Any:
    return await conn.fetchrow(
        "select file_name, file_sha256, content from bank_files"
        " where run_id = $1 and municipality = $2",
        run_id,
        municipality,
    )
