"""An adult under the rules in force (LV-2021, issue #16), from the application to the decision
document, through intake's HTTP API, the bus and the decisions service (real NATS and
PostgreSQL). rules.md §2, §3.1, §3.4, §4.2a."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from services.decisions.documents.latvian import date_words
from services.intake.app import create as create_intake
from tests.integration.test_decisions_support import (
    CASEWORKER,
    DGP,
    HEARD,
    TODAY,
    adult_facts,
    case_of,
    eventually,
    headers,
    needs_assessment,
    open_case,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


def application(**changes: Any) -> dict[str, Any]:
    """Ilze Krūmiņa, 64, group I since childhood, attends a day centre (rules.md §4.2a)."""
    return {
        "channel": "in_person",
        "received_on": TODAY.isoformat(),
        "applicant": {
            "personal_code": "090962-11073",
            "first_name": "Ilze",
            "last_name": "Krūmiņa",
            "birth_date": "1962-09-09",
            "declared_address": "Raiņa iela 16A, Ludza",
            "phone": "+371 26000001",
        },
        "purposes": [
            {"purpose": "childhood_group1_daycare", "proof": "Dienas centra līgums Nr. 4"},
            {"purpose": "volunteer_daycare_treatment", "proof": "Biedrības izziņa"},
        ],
        "functional_limitations": ["mental"],
        "group1_since_childhood_special_care": True,
        "requested_start": TODAY.isoformat(),
    } | changes


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(path, json=body, headers=headers())


async def test_an_lv_2021_adult_from_application_to_decision_document(
    start_service: Any, decisions: httpx.AsyncClient
) -> None:
    intake = await start_service(create_intake)
    submitted = await post(intake, "/municipalities/daugavpils/applications", application())
    assert submitted.status_code == 201, submitted.text
    case_id = submitted.json()["application_id"]
    case = await eventually(lambda: case_of(decisions, case_id))
    claimed = case["application"]
    assert [p["purpose"] for p in claimed["claimed_purposes"]] == [
        "childhood_group1_daycare",
        "volunteer_daycare_treatment",
    ]
    assert claimed["functional_limitations"] == ["mental"]
    assert claimed["group1_since_childhood_special_care"] is True

    # The caseworker records the verified facts and the social service's own assessment.
    facts = adult_facts(
        disability_group=1,
        functional_limitations=["mental"],
        group1_since_childhood_special_care=True,
        needs_assessment=needs_assessment("intensity_level_2"),
        purposes=claimed["claimed_purposes"],
    )
    recorded = await post(decisions, f"{DGP}/cases/{case_id}/assessment", facts)
    assert recorded.status_code == 201, recorded.text
    decided = await post(
        decisions, f"{DGP}/cases/{case_id}/decision", {"period_start": TODAY.isoformat()}
    )
    assert decided.status_code == 201, decided.text
    data = decided.json()["decision"]["data"]
    # rules.md §4.2a: the highest purpose at level 2 (the 2022 row), per month, not a sum.
    assert (data["rule_set"], data["unit"], data["hours"]) == ("LV-2021", "month", "100")
    assert (data["purpose"], data["intensity_level"]) == ("childhood_group1_daycare", 2)
    assert [(p["purpose"], p["hours"]) for p in data["purpose_hours"]] == [
        ("volunteer_daycare_treatment", "80"),
        ("childhood_group1_daycare", "100"),
    ]

    document = await decisions.get(
        f"{decided.json()['decision']['document']}?format=txt", headers=CASEWORKER
    )
    assert document.status_code == 200
    text = document.text
    assert "Ilze Krūmiņa" in text
    assert f"Sociālais dienests {date_words(TODAY, 'loc')} novērtēja" in text
    assert "Rezultāts: noteikts 2. atbalsta intensitātes līmenis." in text
    assert "Piemērojamais mērķis ir „persona ar I grupu kopš bērnības" in text
    assert "100 stundu mēnesī" in text
    assert "Ministru kabineta 2021. gada 18. maija noteikumi Nr. 316" in text


async def test_need_not_established_is_refused_with_the_assessment_in_the_document(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> None:
    case = await open_case(decisions, js)
    url = f"{DGP}/cases/{case['case_id']}"
    facts = adult_facts(needs_assessment=needs_assessment("need_not_established"))
    assert (await post(decisions, f"{url}/assessment", facts)).status_code == 201
    reply = await post(decisions, f"{url}/decision", {"period_start": TODAY.isoformat()} | HEARD)
    assert reply.status_code == 201, reply.text
    decision = reply.json()["decision"]
    assert decision["type"] == "ApplicationRefused"
    assert decision["data"]["reasons"] == ["NEED_NOT_ESTABLISHED"]
    assert decision["data"]["reason_sections"] == {"NEED_NOT_ESTABLISHED": "rules.md §3.1, §3.4"}
    text = (await decisions.get(f"{decision['document']}?format=txt", headers=CASEWORKER)).text
    assert "Rezultāts: vajadzība pēc asistenta pakalpojuma nav konstatēta." in text


async def test_bad_lv_2021_input_is_a_problem_naming_the_fact_and_writes_nothing(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    case = await open_case(decisions, js)
    url = f"{DGP}/cases/{case['case_id']}"
    start = {"period_start": TODAY.isoformat()}

    # An LV-2021 adult decided without the social service's assessment: the missing fact.
    no_needs = adult_facts(needs_assessment=None)
    assert (await post(decisions, f"{url}/assessment", no_needs)).status_code == 201
    before = await db.fetchval("select count(*) from events")
    missing = await post(decisions, f"{url}/decision", start)
    assert missing.status_code == 422
    assert missing.headers["content-type"] == "application/problem+json"
    [error] = missing.json()["errors"]
    assert (error["field"], error["code"]) == ("needs_assessment", "MISSING_FACT")
    assert "rules.md §3.1" in error["message"]

    # An assessment dated after the decision (today) cannot be recorded.
    tomorrow = needs_assessment(on=TODAY + timedelta(days=1))
    later = await post(decisions, f"{url}/assessment", adult_facts(needs_assessment=tomorrow))
    assert later.status_code == 422
    assert [e["field"] for e in later.json()["errors"]] == ["needs_assessment.assessed_on"]

    # An unknown purpose, and a purpose without its proof.
    bad_purposes = adult_facts(
        purposes=[{"purpose": "gardening", "proof": "x"}, {"purpose": "school_board"}]
    )
    bad = await post(decisions, f"{url}/assessment", bad_purposes)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {
        "purposes.0.purpose",
        "purposes.1.proof",
    }
    blank = adult_facts(purposes=[{"purpose": "school_board", "proof": "   "}])
    blank_proof = await post(decisions, f"{url}/assessment", blank)
    assert [e["field"] for e in blank_proof.json()["errors"]] == ["purposes.0.proof"]
    assert await db.fetchval("select count(*) from events") == before  # nothing written
    assert (await case_of(decisions, case["case_id"]) or {})["status"] == "open"


async def test_intake_refuses_an_unknown_purpose_or_one_without_proof(
    start_service: Any, decisions: httpx.AsyncClient
) -> None:
    intake = await start_service(create_intake)
    path = "/municipalities/daugavpils/applications"
    bad = await post(
        intake,
        path,
        application(purposes=[{"purpose": "gardening", "proof": "x"}, {"purpose": "school_board"}]),
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in bad.json()["errors"]} == {
        "purposes.0.purpose",
        "purposes.1.proof",
    }
    no_condition = application(group1_since_childhood_special_care=False)
    refused = await post(intake, path, no_condition)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["purposes.0.purpose"]
    listed = await intake.get(path, headers=CASEWORKER)
    assert listed.json()["total"] == 0  # nothing accepted, nothing half-written
