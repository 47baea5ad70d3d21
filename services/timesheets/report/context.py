"""What the checks of one report need from the read models (rules.md §7.2).

- the client's grants (every case of the same person, amendments, suspensions, termination);
- the same assistant's other entries in every municipality (matched by personal code,
  rules.md §6.1, §10) and the client's entries with other assistants, in the ISO weeks that
  touch the month, so a week across a month end counts both months (rules.md §7.2).
Only entries of submitted, attested or approved reports count; drafts are not claims yet.
People are keyed by ids (the smallest assistant id of the person, the smallest case id of
the client), never by personal code: findings' details travel on the bus.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.timesheets.domain.entries import month_bounds
from services.timesheets.domain.report import Checks, Report
from services.timesheets.grants.windows import CaseGrant, Term, windows
from shared.rules import TimeEntry, Unit
from shared.store.types import Connection


async def person_ids(conn: Connection, assistant_id: str) -> list[str]:
    """Every registration of the same person (one per municipality), smallest first."""
    rows = await conn.fetch(
        "select b.assistant_id from known_assistants a join known_assistants b"
        " on b.personal_code = a.personal_code where a.assistant_id = $1"
        " order by b.assistant_id",
        assistant_id,
    )
    return [r["assistant_id"] for r in rows] or [assistant_id]


async def client_cases(conn: Connection, case_id: str) -> list[str]:
    rows = await conn.fetch(
        "select b.case_id from grant_cases a join grant_cases b"
        " on b.client_code = a.client_code where a.case_id = $1 order by b.case_id",
        case_id,
    )
    return [r["case_id"] for r in rows] or [case_id]


async def case_grants(conn: Connection, case_ids: list[str]) -> list[CaseGrant]:
    cases = await conn.fetch(
        "select case_id, any_activity, terminated_from from grant_cases"
        " where case_id = any($1::text[]) order by case_id",
        case_ids,
    )
    terms = await conn.fetch(
        "select * from grant_terms where case_id = any($1::text[]) order by decision_number",
        case_ids,
    )
    stays = await conn.fetch(
        "select * from grant_suspensions where case_id = any($1::text[]) order by decision_number",
        case_ids,
    )
    return [
        CaseGrant(
            case_id=c["case_id"],
            any_activity=c["any_activity"],
            terminated_from=c["terminated_from"],
            terms=tuple(
                Term(
                    Unit(t["unit"]),
                    t["hours"],
                    tuple(t["activities"]),
                    t["period_start"],
                    t["period_end"],
                )
                for t in terms
                if t["case_id"] == c["case_id"]
            ),
            suspensions=tuple(
                (s["suspended_from"], s["resumed_on"])
                for s in stays
                if s["case_id"] == c["case_id"]
            ),
        )
        for c in cases
    ]


# Two index-friendly halves (an OR over both columns would scan every entry).
CONTEXT_SQL = """
select timesheet_id, idx, day, start_time, end_time, activity, assistant_id, case_id
from report_entries
where counted and timesheet_id <> $1 and day between $2 and $3 and assistant_id = any($4::text[])
union
select timesheet_id, idx, day, start_time, end_time, activity, assistant_id, case_id
from report_entries
where counted and timesheet_id <> $1 and day between $2 and $3 and case_id = any($5::text[])
"""
PERSON_KEYS = """
select a.assistant_id, (select min(b.assistant_id) from known_assistants b
                        where b.personal_code = a.personal_code) as key
from known_assistants a where a.assistant_id = any($1::text[])
"""
CLIENT_KEYS = """
select a.case_id, (select min(b.case_id) from grant_cases b
                   where b.client_code = a.client_code) as key
from grant_cases a where a.case_id = any($1::text[])
"""


async def _keys(conn: Connection, sql: str, ids: set[str]) -> dict[str, str]:
    """Each id's key (the smallest id of the same person); an unknown id is its own key."""
    rows = await conn.fetch(sql, sorted(ids))
    return {i: i for i in ids} | {r[0]: r["key"] for r in rows}


async def checks_for(conn: Connection, report: Report) -> Checks:
    assigned = await conn.fetchrow(
        "select assigned_from, last_day from known_assignments where assignment_id = $1",
        report.assignment_id,
    )
    persons = await person_ids(conn, report.assistant_id)
    cases = await client_cases(conn, report.case_id)
    first, last = month_bounds(report.month)
    week_start = first - timedelta(days=first.weekday())
    week_end = last + timedelta(days=6 - last.weekday())
    rows = await conn.fetch(CONTEXT_SQL, report.timesheet_id, week_start, week_end, persons, cases)
    person_of = await _keys(conn, PERSON_KEYS, {r["assistant_id"] for r in rows})
    client_of = await _keys(conn, CLIENT_KEYS, {r["case_id"] for r in rows})
    context = [
        TimeEntry(
            person_of[r["assistant_id"]],
            client_of[r["case_id"]],
            r["day"],
            r["start_time"],
            r["end_time"],
            r["activity"],
        )
        for r in sorted(rows, key=lambda r: (r["day"], r["start_time"], r["assistant_id"]))
    ]
    client = cases[0]
    return Checks(
        grants=windows(client, await case_grants(conn, cases)),
        context=context,
        person=persons[0],
        client=client,
        assigned_from=assigned["assigned_from"] if assigned else date.min,
        assigned_until=assigned["last_day"] if assigned else None,
    )
