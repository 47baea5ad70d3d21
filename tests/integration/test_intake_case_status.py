"""Intake's view follows the case (issue 18, point 7): intake and decisions run together on
the real bus; applications submitted over intake's HTTP API are decided at decisions, and
intake's list and detail show granted, refused, withdrawn, suspended, terminated."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from services.decisions.app import create as create_decisions
from services.intake.app import create as create_intake
from services.intake.case_status import CaseStatus, record
from shared.events.envelope import Envelope
from shared.events.registry import registry
from shared.settings import Settings
from shared.store.db import database_dsn
from tests.conftest import ServiceFactory
from tests.examples.support import command
from tests.integration.test_decisions_support import HEARD, TODAY, adult_facts, eventually
from tests.integration.test_intake_api import application

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]

APPLICATIONS = "/municipalities/daugavpils/applications"
CASES = "/municipalities/daugavpils/cases"
TOKEN = "dgp-caseworker"


@pytest.fixture
async def services(
    start_service: ServiceFactory, js: JetStreamContext
) -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
    return await start_service(create_intake), await start_service(create_decisions)


async def submit(intake: httpx.AsyncClient) -> str:
    response = await intake.post(
        APPLICATIONS, json=application(received_on=TODAY.isoformat()), headers=command(TOKEN)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["application_id"])


async def shown(intake: httpx.AsyncClient, application_id: str, status: str) -> dict[str, Any]:
    """The application's view, once it shows ``status`` (the bus is asynchronous)."""

    async def check() -> dict[str, Any] | None:
        response = await intake.get(f"{APPLICATIONS}/{application_id}", headers=command(TOKEN))
        body: dict[str, Any] = response.json()
        return body if body["status"] == status else None

    return await eventually(check, 15)


async def post(decisions: httpx.AsyncClient, path: str, body: dict[str, Any]) -> None:
    response = await decisions.post(f"{CASES}/{path}", json=body, headers=command(TOKEN))
    assert response.status_code == 201, response.text


async def decide(
    decisions: httpx.AsyncClient, case_id: str, heard: bool = False, **facts: Any
) -> None:
    """Assess and decide; ``heard``: the person was heard first, as a refusal needs
    (APL 62, issue #17)."""
    for path, body in (
        ("assessment", adult_facts(**facts)),
        ("decision", {"period_start": TODAY.isoformat(), **(HEARD if heard else {})}),
    ):
        response = await decisions.post(
            f"{CASES}/{case_id}/{path}", json=body, headers=command(TOKEN)
        )
        assert response.status_code == 201, response.text


async def test_the_application_shows_what_the_case_became(
    services: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    intake, decisions = services
    granted, refused, withdrawn, ended = [await submit(intake) for _ in range(4)]
    for application_id in (granted, refused, withdrawn, ended):
        await shown(intake, application_id, "open")  # decisions opened the case

    await decide(decisions, granted)
    view = await shown(intake, granted, "granted")
    assert (view["decision_number"], view["decided_on"]) == (1, TODAY.isoformat())

    await decide(decisions, refused, heard=True, disability_group=3, functional_limitations=[])
    await shown(intake, refused, "refused")

    response = await intake.post(
        f"{APPLICATIONS}/{withdrawn}/withdrawal",
        json={"withdrawn_on": TODAY.isoformat(), "reason": "No longer needed"},
        headers=command(TOKEN),
    )
    assert response.status_code == 200, response.text
    await shown(intake, withdrawn, "withdrawn")

    await decide(decisions, ended)
    stay = (TODAY + timedelta(days=10)).isoformat()
    for path, body in (
        # Unfavourable to the person: heard first (APL 62, issue #17).
        ("suspension", {"reason": "inpatient", "suspended_from": stay, **HEARD}),
        ("termination", {"reason": "moved", "terminated_from": stay, **HEARD}),
    ):
        response = await decisions.post(
            f"{CASES}/{ended}/{path}", json=body, headers=command(TOKEN)
        )
        assert response.status_code == 201, response.text
    view = await shown(intake, ended, "terminated")
    assert view["decision_number"] == 3

    # The list shows and filters by the same status (the README's second example).
    listed = await intake.get(APPLICATIONS, params={"status": "granted"}, headers=command(TOKEN))
    assert [item["application_id"] for item in listed.json()["items"]] == [granted]
    everything = await intake.get(APPLICATIONS, headers=command(TOKEN))
    assert {i["application_id"]: i["status"] for i in everything.json()["items"]} == {
        granted: "granted",
        refused: "refused",
        withdrawn: "withdrawn",
        ended: "terminated",
    }


async def test_a_repeated_or_late_event_does_not_move_the_status_back(
    services: tuple[httpx.AsyncClient, httpx.AsyncClient],
    settings: Settings,
    js: JetStreamContext,
) -> None:
    """The handler itself keeps the newest status: it compares the case's aggregate
    version, so a redelivered CaseOpened after the grant changes nothing."""
    intake, decisions = services
    application_id = await submit(intake)
    await shown(intake, application_id, "open")
    await decide(decisions, application_id)
    await shown(intake, application_id, "granted")
    opened = await js.get_last_msg("DECISIONS", "asist.daugavpils.decisions.CaseOpened")
    envelope = Envelope.from_json(opened.data or b"")
    event = registry.decode("decisions", "CaseOpened", 1, envelope.data)

    conn = await asyncpg.connect(
        database_dsn(settings.database_url, settings.database_name("intake"))
    )
    try:
        query = (
            "select status, case_version, changed_by from application_case_status"
            " where application_id = $1::text::uuid"
        )
        before = await conn.fetchrow(query, application_id)
        assert before is not None
        assert before[0] == CaseStatus.GRANTED and before[2] == "HoursGranted"
        for _ in range(2):
            await record(conn, envelope, event)
        assert await conn.fetchrow(query, application_id) == before
    finally:
        await conn.close()
