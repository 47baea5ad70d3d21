"""Issue #17 downstream, for real (NATS + PostgreSQL): time reports follow what is in effect.

A termination held back by a pending objection leaves the assistant's hours after its first
day accepted (a control case with the same termination and no objection gets them refused);
a termination in effect for some days before the objection leaves exactly those days out;
the body upholding it puts it in effect from the day it names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from shared.contracts.decisions import (
    ObjectionDecided,
    ObjectionFiled,
    ObjectionOutcome,
    ServiceTerminated,
    TerminationReason,
)
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
