"""Overdue cases (rules.md §5.4): ``DecisionOverdue`` once per case, by endpoint or job."""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from shared.settings import Settings
from tests.conftest import ServiceFactory
from tests.integration.test_decisions_support import (
    CASEWORKER,
    DGP,
    adult_facts,
    decisions_db,
    event_names,
    eventually,
    headers,
    open_case,
    start_decisions,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]

# Received on Friday 10 January 2025: the deadline is Monday 10 February 2025 (rules.md §5.4).
RECEIVED = date(2025, 1, 10)


async def check(client: httpx.AsyncClient, today: str | None = None) -> list[str]:
    body = {} if today is None else {"today": today}
    response = await client.post(f"{DGP}/cases/overdue-check", json=body, headers=headers())
    assert response.status_code == 200, response.text
    return list(response.json()["marked"])


async def test_an_undecided_case_past_its_deadline_is_reported_exactly_once(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    old = await open_case(decisions, js, received_on=RECEIVED)
    assert old["decision_deadline"] == "2025-02-10"
    recent = await open_case(decisions, js, received_on=date(2025, 2, 1))

    assert await check(decisions, "2025-02-10") == []  # on the deadline day: not yet late
    # Five checks at once (as from several replicas): the case is reported by one of them.
    concurrent = await asyncio.gather(*(check(decisions, "2025-02-11") for _ in range(5)))
    assert sorted(concurrent) == [[], [], [], [], [old["case_id"]]]
    assert await check(decisions, "2025-02-11") == []
    assert await check(decisions) == [recent["case_id"]]  # today, in Riga: both long past
    assert await check(decisions, "2025-06-01") == []
    assert (await event_names(db)).count("DecisionOverdue") == 2
    assert await event_names(db, f"case-{old['case_id']}") == ["CaseOpened", "DecisionOverdue"]

    listed = await decisions.get(f"{DGP}/cases?status=open&overdue=true", headers=CASEWORKER)
    assert sorted(c["case_id"] for c in listed.json()["items"]) == sorted(
        [old["case_id"], recent["case_id"]]
    )
    case = (await decisions.get(f"{DGP}/cases/{old['case_id']}", headers=CASEWORKER)).json()
    assert (case["overdue"], case["overdue_recorded_on"]) == (True, "2025-02-11")


async def test_a_late_decision_is_marked_decided_late_and_leaves_the_overdue_list(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> None:
    old = await open_case(decisions, js, received_on=RECEIVED)
    url = f"{DGP}/cases/{old['case_id']}"
    await decisions.post(f"{url}/assessment", json=adult_facts(), headers=headers())
    decided = await decisions.post(
        f"{url}/decision", json={"period_start": "2025-03-01"}, headers=headers()
    )
    assert decided.status_code == 201, decided.text
    assert decided.json()["decision"]["data"]["decided_late"] is True
    assert await check(decisions) == []  # decided: no longer reported
    still_open = await decisions.get(f"{DGP}/cases?status=open&overdue=true", headers=CASEWORKER)
    assert still_open.json()["items"] == []
    listed = await decisions.get(f"{DGP}/cases?status=granted", headers=CASEWORKER)
    assert [c["decided_late"] for c in listed.json()["items"]] == [True]


async def test_the_background_job_reports_overdue_cases_once(
    start_service: ServiceFactory,
    js: JetStreamContext,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASIST_DECISIONS_OVERDUE_CHECK_SECONDS", "0.1")
    client = await start_decisions(start_service, js)
    old = await open_case(client, js, received_on=RECEIVED)
    async with decisions_db(settings) as db:

        async def reported() -> bool:
            return "DecisionOverdue" in await event_names(db)

        await eventually(reported)
        await asyncio.sleep(0.5)  # several more rounds of the job
        assert await event_names(db, f"case-{old['case_id']}") == [
            "CaseOpened",
            "DecisionOverdue",
        ]
