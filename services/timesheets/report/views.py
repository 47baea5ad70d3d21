"""Views on the read models, as JSON-ready dictionaries (no personal codes or names)."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from services.timesheets.domain.entries import month_bounds
from services.timesheets.report.context import person_ids
from shared.rules import rule_set_for
from shared.store.types import Connection

if TYPE_CHECKING:
    from services.timesheets.report.handlers import Assignment

STATUSES = ("missing", "draft", "submitted", "attested", "approved", "rejected", "overdue")


def text(value: Decimal | None) -> str | None:
    """Exact decimals as text, without exponent or trailing zeros: 20, 18.5."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def shown_status(status: str | None, overdue: bool) -> str:
    """The caseworker's word: a report never submitted after its due day is "overdue"."""
    if overdue and status in (None, "draft"):
        return "overdue"
    return status or "missing"


def _plain(value: Any) -> Any:
    if isinstance(value, date | time):
        return value.isoformat(timespec="minutes") if isinstance(value, time) else str(value)
    if isinstance(value, Decimal):
        return text(value)
    return value


async def report_view(conn: Connection, assignment: Assignment, month: str) -> dict[str, Any]:
    from services.timesheets.report.handlers import timesheet_id

    ts_id = timesheet_id(assignment.assignment_id, month)
    row = await conn.fetchrow("select * from reports where timesheet_id = $1", ts_id)
    head: dict[str, Any] = {
        "timesheet_id": ts_id,
        "assignment_id": assignment.assignment_id,
        "assistant_id": assignment.assistant_id,
        "case_id": assignment.case_id,
        "month": month,
    }
    if row is None:
        return head | {"status": "missing", "entries": [], "findings": [], "history": []}
    entries = await conn.fetch(
        "select idx, day, start_time, end_time, activity, hours, approved_hours, note"
        " from report_entries where timesheet_id = $1 order by idx",
        ts_id,
    )
    history = await conn.fetch(
        "select sequence, event_type, actor, version, summary::text as summary"
        " from report_history where timesheet_id = $1 order by sequence",
        ts_id,
    )
    return head | {
        "status": shown_status(row["status"], row["overdue"]),
        "version": row["version"],
        "reported_hours": text(row["reported_hours"]),
        "approved_hours": text(row["approved_hours"]),
        "submitted_on": _plain(row["submitted_on"]),
        "attested_on": _plain(row["attested_on"]),
        "attested_by": row["attested_by"],
        "approved_on": _plain(row["approved_on"]),
        "overdue": row["overdue"],
        "due_on": _plain(row["due_on"]),
        "rejection_reasons": json.loads(row["reasons"]),
        "findings": json.loads(row["findings"]),
        "entries": [
            {
                "index": e["idx"],
                "day": str(e["day"]),
                "start": e["start_time"].isoformat(timespec="minutes"),
                "end": e["end_time"].isoformat(timespec="minutes"),
                "activity": e["activity"],
                "hours": text(e["hours"]),
                "approved_hours": text(e["approved_hours"]),
                "note": e["note"],
            }
            for e in entries
        ],
        "history": [
            {
                "sequence": h["sequence"],
                "event": h["event_type"],
                "actor": h["actor"],
                "version": h["version"],
                "data": json.loads(h["summary"]),
            }
            for h in history
        ],
    }


MONTH_SQL = """
select a.assignment_id, a.assistant_id, a.case_id, r.timesheet_id, r.status, r.overdue,
       r.version, r.reported_hours, r.approved_hours, r.findings::text as findings,
       r.submitted_on, r.due_on
from known_assignments a
left join reports r on r.assignment_id = a.assignment_id and r.month = $2
where a.municipality = $1 and a.assigned_from <= $4
  and (a.last_day is null or a.last_day >= $3)
order by a.assistant_id, a.case_id
"""


async def month_reports(
    conn: Connection, municipality: str, month: str, status: str | None
) -> list[dict[str, Any]]:
    """Every assignment of the month with its report's status and findings (caseworkers)."""
    first, last = month_bounds(month)
    rows = await conn.fetch(MONTH_SQL, municipality, month, first, last)
    out = []
    for r in rows:
        shown = shown_status(r["status"], bool(r["overdue"]))
        if status is not None and shown != status:
            continue
        findings = json.loads(r["findings"]) if r["findings"] else []
        out.append(
            {
                "assignment_id": r["assignment_id"],
                "assistant_id": r["assistant_id"],
                "case_id": r["case_id"],
                "timesheet_id": r["timesheet_id"],
                "status": shown,
                "version": r["version"],
                "reported_hours": text(r["reported_hours"]),
                "approved_hours": text(r["approved_hours"]),
                "submitted_on": _plain(r["submitted_on"]),
                "finding_codes": sorted({f["code"] for f in findings}),
                "findings": findings,
            }
        )
    return out


async def assistant_month(
    conn: Connection, assistant_id: str, month: str, today: date
) -> dict[str, Any]:
    """The assistant's month across their clients in every municipality, and this week's
    hours left against the 40 h/week of rules.md §6.1 (submitted reports and drafts)."""
    ids = await person_ids(conn, assistant_id)
    first, last = month_bounds(month)
    reports = await conn.fetch(
        "select a.assignment_id, a.case_id, a.municipality, r.timesheet_id, r.status,"
        " r.overdue, r.reported_hours, r.approved_hours"
        " from known_assignments a left join reports r"
        " on r.assignment_id = a.assignment_id and r.month = $2"
        " where a.assistant_id = any($1::text[]) and a.assigned_from <= $4"
        " and (a.last_day is null or a.last_day >= $3) order by a.municipality, a.case_id",
        ids,
        month,
        first,
        last,
    )
    monday = today - timedelta(days=today.weekday())
    week = await conn.fetchval(
        "select coalesce(sum(e.hours), 0) from report_entries e join reports r"
        " using (timesheet_id) where e.assistant_id = any($1::text[])"
        " and e.day between $2 and $3 and r.status <> 'rejected'",
        ids,
        monday,
        monday + timedelta(days=6),
    )
    limit = rule_set_for(monday + timedelta(days=6)).assistant_weekly_limit
    return {
        "assistant_id": assistant_id,
        "month": month,
        "clients": [
            {
                "assignment_id": r["assignment_id"],
                "case_id": r["case_id"],
                "municipality": r["municipality"],
                "timesheet_id": r["timesheet_id"],
                "status": shown_status(r["status"], bool(r["overdue"])),
                "reported_hours": text(r["reported_hours"]),
                "approved_hours": text(r["approved_hours"]),
            }
            for r in reports
        ],
        "week": {
            "from": monday.isoformat(),
            "to": (monday + timedelta(days=6)).isoformat(),
            "reported_hours": text(Decimal(week)),
            "limit_hours": text(limit),
            "hours_left": text(max(Decimal(0), limit - Decimal(week))),
        },
    }
