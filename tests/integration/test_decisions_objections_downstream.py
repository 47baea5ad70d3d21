"""Issue #17 downstream, for real (NATS + PostgreSQL): time reports follow what is in effect.

A termination held back by a pending objection leaves the assistant's hours after its first
day accepted (a control case with the same termination and no objection gets them refused);
a termination in effect for some days before the objection leaves exactly those days out;
the body upholding it puts it in effect from the day it names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from shared.contracts.decisions import (
    ActivityBreakdown,
    GrantAmended,
    ObjectionDecided,
    ObjectionFiled,
    ObjectionOutcome,
    RestoredTerms,
    ServiceTerminated,
    TerminationReason,
)
from shared.rules import ActivityKind, RuleSetId, Unit
from shared.settings import Settings
from tests.conftest import Servers, ServiceFactory
from tests.integration.test_decisions_support import eventually
from tests.integration.test_timesheets_support import (
    entry,
    envelope_of,
    granted,
    headers,
    publish,
    report_url,
    settings_for,
    setup_assignment,
    start_timesheets,
    timesheets_db,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


@pytest.fixture
def settings(stack: Servers) -> Settings:
    return settings_for(stack)


@pytest.fixture
async def timesheets(
    clean_bus: None,
    start_service: ServiceFactory,
    js: JetStreamContext,
    monkeypatch: pytest.MonkeyPatch,
) -> httpx.AsyncClient:
    monkeypatch.setenv("ASIST_TIMESHEETS_OVERDUE_WATCH", "false")
    return await start_timesheets(start_service, js)


@pytest.fixture
async def db(
    settings: Settings, timesheets: httpx.AsyncClient
) -> AsyncIterator[asyncpg.Connection]:
    async with timesheets_db(settings) as conn:
        yield conn


def terminated(case_id: str, first_day: date) -> ServiceTerminated:
    return ServiceTerminated(
        case_id=case_id,
        decision_number=2,
        decided_on=date(2026, 11, 6),
        reason=TerminationReason.NOT_USED,
        terminated_from=first_day,
    )


def objection(case_id: str, first_day: date, filed_on: date) -> ObjectionFiled:
    return ObjectionFiled(
        case_id=case_id,
        objection_id=f"obj-{case_id}",
        decision_number=2,
        act="ServiceTerminated",
        act_first_day=first_day,
        filed_on=filed_on,
        filed_by="Persona",
        holds_back=True,
        held_from=max(first_day, filed_on),
    )


async def submit(client: httpx.AsyncClient, url: str, token: str, entries: list[dict]) -> dict:  # type: ignore[type-arg]
    saved = await client.put(url, json={"entries": entries}, headers=headers(token))
    assert saved.status_code == 200, saved.text
    submitted = await client.post(f"{url}/submit", headers=headers(token))
    assert submitted.status_code == 200, submitted.text
    return dict(submitted.json())


async def test_a_termination_held_back_by_an_objection_leaves_the_time_reports_accepted(
    timesheets: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    # Two clients, each terminated from Monday 16 November; only the second objects.
    people = (
        ("A", "01018012340", "case-T1", "01017012345"),
        ("B", "01018012341", "case-T2", "02027012345"),
    )
    for assistant, assistant_code, case_id, client in people:
        await setup_assignment(
            js, db, assistant_id=assistant, assignment_id=f"asg-{case_id}", case_id=case_id,
            grant=granted(case_id, code=client), assistant_code=assistant_code,
        )  # fmt: skip
    first_day = date(2026, 11, 16)
    await publish(js, envelope_of(terminated("case-T1", first_day), "case-case-T1", version=2))
    await publish(js, envelope_of(terminated("case-T2", first_day), "case-case-T2", version=2))
    held = objection("case-T2", first_day, filed_on=date(2026, 11, 12))
    await publish(js, envelope_of(held, "case-case-T2", version=3))

    async def applied() -> bool:
        rows = await db.fetch(
            "select case_id, terminated_from from grant_cases where case_id like 'case-T%'"
        )
        found = {r["case_id"]: r["terminated_from"] for r in rows}
        return found == {"case-T1": first_day, "case-T2": None}

    await eventually(applied)
    week = [entry(d, "08:00", "11:00") for d in (9, 17, 18)]
    control = await submit(timesheets, report_url("daugavpils", "asg-case-T1"), "asst-a", week)
    assert [(f["code"], f["day"]) for f in control["findings"]] == [
        ("AFTER_TERMINATION", "2026-11-17"),
        ("AFTER_TERMINATION", "2026-11-18"),
    ]
    contested_url = report_url("daugavpils", "asg-case-T2")
    contested = await submit(timesheets, contested_url, "asst-b", week)
    assert contested["findings"] == [], "the termination has no effect while pending"
    approved = await timesheets.post(
        f"{contested_url}/approve", json={}, headers=headers("dgp-caseworker")
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_hours"] == "9"

    # The council upholds it from 25 November: in effect from then on.
    upheld = ObjectionDecided(
        case_id="case-T2",
        objection_id=held.objection_id,
        decision_number=2,
        act="ServiceTerminated",
        outcome=ObjectionOutcome.UPHELD,
        decided_on=date(2026, 11, 20),
        body_reference="Domes lēmums Nr. 12",
        effect_from=date(2026, 11, 25),
        holds_back=True,
    )
    await publish(js, envelope_of(upheld, "case-case-T2", version=4))

    async def in_effect() -> bool:
        found = await db.fetchval(
            "select terminated_from from grant_cases where case_id = 'case-T2'"
        )
        return bool(found == date(2026, 11, 25))

    await eventually(in_effect)


async def test_a_termination_in_effect_before_the_objection_leaves_only_those_days_out(
    timesheets: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    await setup_assignment(
        js, db, assistant_id="A", assignment_id="asg-case-T3", case_id="case-T3",
        grant=granted("case-T3"),
    )  # fmt: skip
    first_day = date(2026, 11, 10)
    await publish(js, envelope_of(terminated("case-T3", first_day), "case-case-T3", version=2))
    late = objection("case-T3", first_day, filed_on=date(2026, 11, 20))
    await publish(js, envelope_of(late, "case-case-T3", version=3))

    async def gap() -> bool:
        rows = await db.fetch(
            "select suspended_from, resumed_on from grant_suspensions where case_id = 'case-T3'"
        )
        return [(r["suspended_from"], r["resumed_on"]) for r in rows] == [
            (first_day, date(2026, 11, 20))
        ]

    await eventually(gap)
    entries = [entry(d, "08:00", "10:00") for d in (9, 12, 23)]
    report = await submit(timesheets, report_url("daugavpils", "asg-case-T3"), "asst-a", entries)
    assert [(f["code"], f["day"]) for f in report["findings"]] == [("IN_SUSPENSION", "2026-11-12")]


async def test_a_reduction_held_back_gives_the_old_hours_until_the_body_upholds_it(
    timesheets: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    await setup_assignment(
        js, db, assistant_id="A", assignment_id="asg-case-R", case_id="case-R",
        grant=granted("case-R", hours=20),
    )  # fmt: skip
    breakdown = [ActivityBreakdown(kind=ActivityKind.WORK, claimed=Decimal(5), granted=Decimal(5))]
    reduced = GrantAmended(
        case_id="case-R", decision_number=2, decided_on=date(2026, 11, 6),
        effective_from=date(2026, 11, 9), period_end=date(2027, 10, 31), reason="mazāk",
        rule_set=RuleSetId.LV_2013, legal_basis="t", unit=Unit.WEEK, hours=Decimal(5),
        rules_hours=Decimal(5), need_hours=Decimal(5), breakdown=breakdown, trace=[],
    )  # fmt: skip
    week = Unit.WEEK
    held = ObjectionFiled(
        case_id="case-R", objection_id="o-R", decision_number=2, act="GrantAmended",
        act_first_day=date(2026, 11, 9), filed_on=date(2026, 11, 16), filed_by="Persona",
        holds_back=True, held_from=date(2026, 11, 16),
        restored=RestoredTerms(unit=week, hours=Decimal(20), hours_from=date(2026, 11, 1),
                               period_end=date(2027, 10, 31)),
    )  # fmt: skip
    upheld = ObjectionDecided(
        case_id="case-R", objection_id="o-R", decision_number=2, act="GrantAmended",
        outcome=ObjectionOutcome.UPHELD, decided_on=date(2026, 11, 20), body_reference="Nr. 7",
        effect_from=date(2026, 11, 23), holds_back=True,
        terms=RestoredTerms(unit=week, hours=Decimal(5), hours_from=date(2026, 11, 23),
                            period_end=date(2027, 10, 31)),
    )  # fmt: skip
    for version, event in enumerate((reduced, held, upheld), start=2):
        await publish(js, envelope_of(event, "case-case-R", version=version))

    async def terms() -> list[tuple[date, date, Decimal]] | None:
        rows = await db.fetch(
            "select period_start, period_end, hours from grant_terms where case_id = 'case-R'"
            " and period_end >= period_start order by period_start"
        )
        found = [(r["period_start"], r["period_end"], r["hours"]) for r in rows]
        return found if len(found) == 4 else None

    assert await eventually(terms) == [
        (date(2026, 11, 1), date(2026, 11, 8), Decimal(20)),
        (date(2026, 11, 9), date(2026, 11, 15), Decimal(5)),  # in effect before the filing
        (date(2026, 11, 16), date(2026, 11, 22), Decimal(20)),  # held back: the old hours
        (date(2026, 11, 23), date(2027, 10, 31), Decimal(5)),  # upheld
    ]
    entries = [entry(d, "08:00", "11:00") for d in (16, 17, 18, 23, 24)]
    report = await submit(timesheets, report_url("daugavpils", "asg-case-R"), "asst-a", entries)
    assert [(f["code"], f["day"]) for f in report["findings"]] == [
        ("WEEKLY_GRANT_EXCEEDED", "2026-11-23")
    ], "9 h in the held-back week are within 20 h; 6 h after the upheld day exceed 5 h"
