"""Assistants: registration and the 40 h/week across clients (rules.md §6.1), for real."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from shared.contracts.intake import Person
from tests.conftest import auth
from tests.integration.test_decisions_support import (
    CASEWORKER,
    DGP,
    TODAY,
    event_names,
    granted_case,
    headers,
    open_case,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


def assistant(**changes: Any) -> dict[str, Any]:
    return {
        "personal_code": "120385-12342",
        "first_name": "Pēteris",
        "last_name": "Ozols",
        "iban": "LV80 BANK 0000 4351 9500 1",
        "tax_status": "employee",
        "experience": "Five years caring for a brother with a disability",
    } | changes


async def register(client: httpx.AsyncClient, **changes: Any) -> str:
    response = await client.post(f"{DGP}/assistants", json=assistant(**changes), headers=headers())
    assert response.status_code == 201, response.text
    return str(response.json()["assistant_id"])


async def assign(
    client: httpx.AsyncClient, assistant_id: str, case_id: str, **changes: Any
) -> httpx.Response:
    body = {"case_id": case_id, "assigned_from": TODAY.isoformat()} | changes
    return await client.post(
        f"{DGP}/assistants/{assistant_id}/assignments", json=body, headers=headers()
    )


async def test_an_assistant_is_registered_with_normalised_code_and_iban(
    decisions: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    response = await decisions.post(f"{DGP}/assistants", json=assistant(), headers=headers())
    assert response.status_code == 201, response.text
    data = response.json()
    assert (data["personal_code"], data["iban"]) == ("12038512342", "LV80BANK0000435195001")
    assert data["tax_status"] == "employee_like"  # the rules' word (rules.md §6.2)
    found = await decisions.get(f"{DGP}/assistants/{data['assistant_id']}", headers=CASEWORKER)
    assert found.json()["experience"].startswith("Five years")
    listed = (await decisions.get(f"{DGP}/assistants", headers=CASEWORKER)).json()["items"]
    assert [a["assistant_id"] for a in listed] == [data["assistant_id"]]
    again = await decisions.post(
        f"{DGP}/assistants", json=assistant(personal_code="12038512342"), headers=headers()
    )
    assert again.status_code == 409  # one registration per person
    assert await event_names(db) == ["AssistantRegistered"]


async def test_a_bad_iban_code_or_missing_experience_is_named_and_nothing_is_written(
    decisions: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    only_iban = await decisions.post(
        f"{DGP}/assistants", json=assistant(iban="LV80BANK0000435195002"), headers=headers()
    )
    assert only_iban.status_code == 422
    assert only_iban.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in only_iban.json()["errors"]] == ["iban"]
    everything = await decisions.post(
        f"{DGP}/assistants",
        json=assistant(
            iban="not an iban", personal_code="120385-12343", experience=" ", tax_status="x"
        ),
        headers=headers(),
    )
    fields = {e["field"] for e in everything.json()["errors"]}
    assert fields == {"iban", "personal_code", "experience", "tax_status"}
    assert await db.fetchval("select count(*) from events") == 0
    assert await db.fetchval("select count(*) from assistants") == 0


async def test_an_assistant_serves_at_most_forty_hours_a_week_across_clients(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    first, second, third = [(await granted_case(decisions, js))["case_id"] for _ in range(3)]
    helper = await register(decisions)

    # 160 h/month count 36.92 h/week (x 12 / 52, docs/decisions.md).
    assert (await assign(decisions, helper, first)).status_code == 201  # 36.92 h
    over = await assign(decisions, helper, second)  # 36.92 + 36.92 = 73.84 > 40
    assert over.status_code == 422
    [error] = over.json()["errors"]
    assert (error["field"], error["code"]) == ("weekly_hours", "ASSISTANT_WEEKLY_LIMIT_EXCEEDED")
    assert "rules.md §6.1" in error["message"]
    part = await assign(decisions, helper, second, weekly_hours="3.08")  # 36.92 + 3.08 = 40
    assert part.status_code == 201, part.text
    more_than_grant = await assign(decisions, helper, third, weekly_hours="37")
    assert [e["field"] for e in more_than_grant.json()["errors"]] == ["weekly_hours"]

    # Ending the first client's assignment frees its hours from the next day on.
    assert (await assign(decisions, helper, first)).status_code == 409  # serves it already
    listed = (await decisions.get(f"{DGP}/assistants/{helper}", headers=CASEWORKER)).json()
    first_id = next(a["assignment_id"] for a in listed["assignments"] if a["case_id"] == first)
    ended = await decisions.post(
        f"{DGP}/assistants/{helper}/assignments/{first_id}/end",
        json={"last_day": (TODAY + timedelta(days=9)).isoformat(), "reason": "client moved"},
        headers=headers(),
    )
    assert ended.status_code == 201, ended.text
    from_next_day = (TODAY + timedelta(days=10)).isoformat()
    too_early = await assign(decisions, helper, third, assigned_from=TODAY.isoformat())
    assert too_early.status_code == 422
    later = await assign(decisions, helper, third, assigned_from=from_next_day)
    assert later.status_code == 201, later.text
    assert await event_names(db, f"assistant-{helper}") == [
        "AssistantRegistered",
        "AssistantAssigned",
        "AssistantAssigned",
        "AssistantUnassigned",
        "AssistantAssigned",
    ]
    case = (await decisions.get(f"{DGP}/cases/{second}", headers=CASEWORKER)).json()
    assert [(a["assistant_id"], a["weekly_hours"]) for a in case["assignments"]] == [
        (helper, "3.08")
    ]


async def test_concurrent_assignments_cannot_together_pass_forty_hours(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    cases = [(await granted_case(decisions, js))["case_id"] for _ in range(3)]
    helper = await register(decisions)
    replies = await asyncio.gather(*(assign(decisions, helper, case_id) for case_id in cases))
    assert sorted(r.status_code for r in replies) == [201, 422, 422]  # 36.92 h each
    assert await db.fetchval("select count(*) from assignments") == 1


async def test_a_child_with_eighty_hours_a_month_takes_18_46_of_the_assistants_week(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> None:
    child = Person(
        personal_code="32000000000",
        first_name="Anna",
        last_name="Bērziņa",
        birth_date=date(TODAY.year - 10, 1, 15),
        declared_address="Rīgas iela 1, Daugavpils",
    )
    case = await open_case(decisions, js, applicant=child, activities=[])
    url = f"{DGP}/cases/{case['case_id']}"
    facts = {
        "opinion": "special_care",
        "disability_valid_until": str(TODAY.replace(year=TODAY.year + 2)),
    }
    assert (
        await decisions.post(f"{url}/assessment", json=facts, headers=headers())
    ).status_code == 201
    granted = await decisions.post(
        f"{url}/decision", json={"period_start": TODAY.isoformat()}, headers=headers()
    )
    data = granted.json()["decision"]["data"]
    assert (data["hours"], data["unit"]) == ("80", "month")  # rules.md §4.3
    helper = await register(decisions)
    assigned = await assign(decisions, helper, case["case_id"])
    assert assigned.json()["weekly_hours"] == "18.46"  # 80 x 12 / 52


async def test_another_municipality_cannot_see_or_assign_an_assistant(
    decisions: httpx.AsyncClient,
) -> None:
    helper = await register(decisions)
    url = f"{DGP}/assistants/{helper}"
    assert (await decisions.get(url, headers=auth("ludza-caseworker"))).status_code == 403
    assert (await decisions.get(url, headers=auth("ministry"))).status_code == 403
    ludza = url.replace("daugavpils", "ludza")
    assert (await decisions.get(ludza, headers=auth("ludza-caseworker"))).status_code == 404
