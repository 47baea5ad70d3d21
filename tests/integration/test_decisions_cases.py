"""Cases from intake's events, and the caseworker's decisions, over real NATS and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from shared.contracts.intake import (
    ApplicationDocumentAdded,
    ApplicationWithdrawn,
    ChangeKind,
    CircumstancesReported,
    DocumentKind,
)
from shared.rules import decision_deadline
from tests.conftest import auth
from tests.integration.test_decisions_support import (
    CASEWORKER,
    DGP,
    HEARD,
    TODAY,
    adult_facts,
    case_of,
    envelope_of,
    event_names,
    eventually,
    granted_case,
    headers,
    needs_assessment,
    open_case,
    publish,
    submitted,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"{DGP}/{path}", json=body, headers=headers())


# ---- cases from intake's events ----------------------------------------------------------


async def test_a_submitted_application_opens_a_case_with_its_decision_deadline(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    case = await open_case(decisions, js, received_on=date(2026, 1, 31))
    assert case["status"] == "open"
    # rules.md §5.4: 31 January -> 28 February 2026, a Saturday -> Monday 2 March.
    assert case["decision_deadline"] == decision_deadline(date(2026, 1, 31)).isoformat()
    assert case["decision_deadline"] == "2026-03-02"
    assert case["application"]["client"]["personal_code"] == "12038512342"
    assert await event_names(db) == ["CaseOpened"]
    listed = (await decisions.get(f"{DGP}/cases?status=open", headers=CASEWORKER)).json()
    assert [c["case_id"] for c in listed["items"]] == [case["case_id"]]


async def test_documents_changes_and_withdrawal_reach_the_case(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    case = await open_case(decisions, js)
    case_id = case["case_id"]
    document = ApplicationDocumentAdded(
        application_id=case_id,
        document_id="doc-1",
        kind=DocumentKind.COMMISSION_OPINION,
        title="VDEĀVK atzinums",
        content_sha256="ab" * 32,
        storage_ref="s3://intake/doc-1.pdf",
        received_on=TODAY,
    )
    change = CircumstancesReported(
        application_id=case_id,
        report_id="report-1",
        kind=ChangeKind.INPATIENT,
        effective_from=TODAY,
        description="Hospital from today",
    )
    await publish(js, envelope_of(document, case_id, 2))
    await publish(js, envelope_of(change, case_id, 3))

    async def with_task() -> dict[str, Any] | None:
        found = await case_of(decisions, case_id)
        return found if found and found["tasks"] and found["documents"] else None

    seen = await eventually(with_task)
    assert [d["document_id"] for d in seen["documents"]] == ["doc-1"]
    assert (seen["tasks"][0]["kind"], seen["tasks"][0]["status"]) == ("inpatient", "open")
    tasks = (await decisions.get(f"{DGP}/tasks", headers=CASEWORKER)).json()["items"]
    assert [(t["case_id"], t["task_id"]) for t in tasks] == [(case_id, "report-1")]

    closed = await post(decisions, f"cases/{case_id}/tasks/report-1/close", {"resolution": "ok"})
    assert closed.status_code == 201, closed.text
    assert (await decisions.get(f"{DGP}/tasks", headers=CASEWORKER)).json()["items"] == []
    again = await post(decisions, f"cases/{case_id}/tasks/report-1/close", {"resolution": "x"})
    assert again.status_code == 409

    withdrawn = ApplicationWithdrawn(application_id=case_id, withdrawn_on=TODAY)
    await publish(js, envelope_of(withdrawn, case_id, 4))

    async def is_withdrawn() -> bool:
        found = await case_of(decisions, case_id)
        return found is not None and found["status"] == "withdrawn"

    await eventually(is_withdrawn)
    assert await event_names(db) == [
        "CaseOpened",
        "DocumentRecorded",
        "TaskOpened",
        "TaskClosed",
        "CaseClosed",
    ]


async def test_an_upstream_event_delivered_twice_changes_nothing(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    data = submitted()
    envelope = envelope_of(data, data.application_id)
    await publish(js, envelope, msg_id="first")
    await publish(js, envelope, msg_id="second")  # past JetStream's de-duplication
    await eventually(lambda: case_of(decisions, data.application_id))
    # A second submission of the same application under a new event id: still one case.
    await publish(js, envelope_of(data, data.application_id))
    # A marker after them: once it is consumed, the earlier messages have been too.
    marker = submitted()
    await publish(js, envelope_of(marker, marker.application_id))
    await eventually(lambda: case_of(decisions, marker.application_id))
    processed = await db.fetchval("select count(*) from processed_events")
    assert processed == 3  # the repeated envelope id was recorded once
    assert await event_names(db) == ["CaseOpened", "CaseOpened"]


# ---- deciding -----------------------------------------------------------------------------


async def test_a_grant_records_hours_breakdown_period_rule_set_and_trace(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    reply = await granted_case(decisions, js)
    decision = reply["decision"]
    data = decision["data"]
    assert (decision["number"], decision["type"]) == (1, "HoursGranted")
    assert (data["hours"], data["unit"], data["rule_set"]) == ("160", "month", "LV-2021")
    assert (data["purpose"], data["intensity_level"], data["breakdown"]) == (
        "work_study_sport",
        2,
        [],
    )
    assert data["needs_assessment"] == {
        "result": "intensity_level_2",
        "assessor": "Inga Vanaga",
        "assessed_on": TODAY.isoformat(),
    }
    assert data["period_start"] == TODAY.isoformat()
    # No end asked for: the longest allowed, here the disability status (rules.md §4.4).
    assert data["period_end"] == (TODAY + timedelta(days=730)).isoformat()
    assert any("§4.2a" in step for step in data["trace"])
    assert data["personal_code"] == "12038512342"
    case = await case_of(decisions, reply["case_id"])
    assert case is not None and case["status"] == "granted"
    assert (case["grant"]["hours"], case["grant"]["unit"]) == ("160", "month")
    assert case["grant"]["purpose"] == "work_study_sport"


async def test_a_refusal_carries_reason_codes_and_its_legal_basis(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> None:
    case = await open_case(decisions, js)
    url = f"cases/{case['case_id']}"
    facts = adult_facts(disability_group=3, functional_limitations=[])
    assert (await post(decisions, f"{url}/assessment", facts)).status_code == 201
    reply = await post(decisions, f"{url}/decision", {"period_start": TODAY.isoformat()} | HEARD)
    assert reply.status_code == 201, reply.text
    decision = reply.json()["decision"]
    assert decision["type"] == "ApplicationRefused"
    assert decision["data"]["reasons"] == ["NOT_SEVERE_DISABILITY", "NO_FUNCTIONAL_LIMITATION"]
    assert "316" in decision["data"]["legal_basis"]
    assert reply.json()["status"] == "refused"
    document = await decisions.get(decision["document"], headers=CASEWORKER)
    assert "NOT_SEVERE_DISABILITY" not in document.text  # codes stay in the event (legal.md §3)
    assert "Atteikuma pamats: personai nav noteikta I vai II invaliditātes grupa" in document.text
    assert "Noteikumi Nr. 316" in document.text or "noteikumi Nr. 316" in document.text


async def test_the_decision_document_downloads_in_latvian_with_hours_and_appeal_notice(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> None:
    reply = await granted_case(decisions, js)
    url = reply["decision"]["document"]
    html = await decisions.get(url, headers=CASEWORKER)
    assert html.status_code == 200
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert "160 stundu mēnesī" in html.text
    assert "Konstatētie fakti" in html.text and "novērtēja personas vajadzību" in html.text
    assert "viena mēneša laikā no tā spēkā stāšanās dienas" in html.text  # rules.md §5.7
    assert "Vienības iela 8, Daugavpils, LV-5401" in html.text
    assert "Ministru kabineta 2021. gada 18. maija noteikumi Nr. 316" in html.text
    text = await decisions.get(f"{url}?format=txt", headers=CASEWORKER)
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert "Mērķis | Stundas mēnesī (2. līmenis)" in text.text
    assert "novērtēja Inga Vanaga" in text.text
    assert "viena mēneša laikā" in text.text
    missing = await decisions.get(url.replace("/1/", "/2/"), headers=CASEWORKER)
    assert missing.status_code == 404


async def test_fewer_hours_need_a_reason_and_more_than_the_rules_allow_are_refused(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    case = await open_case(decisions, js)
    url = f"cases/{case['case_id']}"
    assert (await post(decisions, f"{url}/assessment", adult_facts())).status_code == 201
    before = await db.fetchval("select count(*) from events")
    start = TODAY.isoformat()

    too_many = await post(decisions, f"{url}/decision", {"period_start": start, "hours": "161"})
    assert too_many.status_code == 422
    assert too_many.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in too_many.json()["errors"]] == ["hours"]

    no_reason = await post(decisions, f"{url}/decision", {"period_start": start, "hours": "10"})
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reduction_reason"]

    too_long = (TODAY + timedelta(days=731)).isoformat()
    both = await post(
        decisions, f"{url}/decision", {"period_start": start, "period_end": too_long, "hours": 199}
    )
    assert {e["field"] for e in both.json()["errors"]} == {"period_end", "hours"}
    assert await db.fetchval("select count(*) from events") == before  # nothing written

    fewer = await post(
        decisions,
        f"{url}/decision",
        {"period_start": start, "hours": "10", "reduction_reason": "Works 2 days a week"},
    )
    assert fewer.status_code == 201, fewer.text
    data = fewer.json()["decision"]["data"]
    assert (data["hours"], data["rules_hours"]) == ("10", "160")
    assert data["reduction_reason"] == "Works 2 days a week"


async def test_malformed_input_names_each_field_and_writes_nothing(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    case = await open_case(decisions, js)
    url = f"cases/{case['case_id']}"
    before = await db.fetchval("select count(*) from events")
    bad = await post(
        decisions,
        f"{url}/assessment",
        {"disability_group": 4, "opinion": "maybe", "activities": [{"kind": "flying"}]},
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"disability_group", "opinion", "activities.0.kind"} <= fields
    assert "activities.0.hours_per_week" in fields
    no_key = await decisions.post(f"{DGP}/{url}/assessment", json=adult_facts(), headers=CASEWORKER)
    assert no_key.status_code == 400
    assert no_key.json()["errors"][0]["field"] == "Idempotency-Key"
    decide_first = await post(decisions, f"{url}/decision", {"period_start": TODAY.isoformat()})
    assert decide_first.status_code == 409  # no assessment yet
    assert await db.fetchval("select count(*) from events") == before


async def test_information_requests_are_recorded_and_do_not_move_the_deadline(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> None:
    case = await open_case(decisions, js)
    url = f"cases/{case['case_id']}"
    reply = await post(
        decisions,
        f"{url}/information-requests",
        {"institution": "VDEĀVK", "subject": "Atzinums par asistenta nepieciešamību"},
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["decision_deadline"] == case["decision_deadline"]  # rules.md §5.4
    seen = await case_of(decisions, case["case_id"])
    assert seen is not None
    assert [r["institution"] for r in seen["information_requests"]] == ["VDEĀVK"]
    assert seen["decision_deadline"] == case["decision_deadline"]


async def test_a_retried_command_with_the_same_key_returns_the_first_answer(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    case = await open_case(decisions, js)
    url = f"{DGP}/cases/{case['case_id']}/assessment"
    traced = headers("key-1") | {"X-Correlation-Id": "corr-7"}
    first = await decisions.post(url, json=adult_facts(), headers=traced)
    assert first.headers["X-Correlation-Id"] == "corr-7"
    second = await decisions.post(url, json=adult_facts(), headers=headers("key-1"))
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await event_names(db) == ["CaseOpened", "AssessmentRecorded"]
    envelope = await db.fetchval(
        "select envelope->>'correlationid' from events order by position desc"
    )
    assert envelope == "corr-7"


# ---- changes: amendment, suspension, resumption, termination -----------------------------


async def test_a_grant_is_amended_suspended_resumed_and_terminated(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    reply = await granted_case(decisions, js)
    case_id = reply["case_id"]
    url = f"cases/{case_id}"
    later = (TODAY + timedelta(days=30)).isoformat()

    resume_early = await post(decisions, f"{url}/resumption", {"resumed_on": later})
    assert resume_early.status_code == 409  # never suspended

    facts = adult_facts(needs_assessment=needs_assessment("intensity_level_1"))
    amended = await post(
        decisions,
        f"{url}/amendments",
        {"effective_from": later, "reason": "Works part-time now", "assessment": facts} | HEARD,
    )
    assert amended.status_code == 201, amended.text
    data = amended.json()["decision"]["data"]
    assert (amended.json()["decision"]["number"], data["hours"]) == (2, "80")
    assert (data["unit"], data["intensity_level"]) == ("month", 1)
    too_many = await post(
        decisions, f"{url}/amendments", {"effective_from": later, "reason": "x", "hours": "81"}
    )
    assert [e["field"] for e in too_many.json()["errors"]] == ["hours"]

    stay = (TODAY + timedelta(days=40)).isoformat()
    suspended = await post(
        decisions, f"{url}/suspension", {"reason": "inpatient", "suspended_from": stay} | HEARD
    )
    assert suspended.status_code == 201, suspended.text
    assert suspended.json()["status"] == "suspended"
    twice = await post(
        decisions, f"{url}/suspension", {"reason": "prison", "suspended_from": stay} | HEARD
    )
    assert twice.status_code == 409
    before_stay = await post(decisions, f"{url}/resumption", {"resumed_on": later})
    assert [e["field"] for e in before_stay.json()["errors"]] == ["resumed_on"]
    back = (TODAY + timedelta(days=50)).isoformat()
    resumed = await post(decisions, f"{url}/resumption", {"resumed_on": back})
    assert resumed.json()["status"] == "granted"

    ended = (TODAY + timedelta(days=60)).isoformat()
    terminated = await post(
        decisions, f"{url}/termination", {"reason": "moved", "terminated_from": ended} | HEARD
    )
    assert terminated.status_code == 201, terminated.text
    assert terminated.json()["decision"]["number"] == 5
    again = await post(
        decisions, f"{url}/termination", {"reason": "other", "terminated_from": ended} | HEARD
    )
    assert again.status_code == 409
    assert await event_names(db, f"case-{case_id}") == [
        "CaseOpened",
        "AssessmentRecorded",
        "HoursGranted",
        "AssessmentRecorded",
        "GrantAmended",
        "ServiceSuspended",
        "ServiceResumed",
        "ServiceTerminated",
    ]
    listed = (await decisions.get(f"{DGP}/cases?status=terminated", headers=CASEWORKER)).json()
    assert [(c["case_id"], c["hours"], c["decisions"]) for c in listed["items"]] == [
        (case_id, "80", 5)
    ]
    for number in range(1, 6):
        document = await decisions.get(
            f"{DGP}/{url}/decisions/{number}/document", headers=CASEWORKER
        )
        assert "viena mēneša laikā" in document.text


async def test_a_withdrawal_after_the_grant_terminates_the_service(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> None:
    reply = await granted_case(decisions, js)
    case_id = reply["case_id"]
    withdrawn = ApplicationWithdrawn(application_id=case_id, withdrawn_on=TODAY)
    await publish(js, envelope_of(withdrawn, case_id, 2))

    async def terminated() -> dict[str, Any] | None:
        found = await case_of(decisions, case_id)
        return found if found and found["status"] == "terminated" else None

    case = await eventually(terminated)
    last = case["decisions"][-1]
    assert (last["type"], last["data"]["reason"]) == ("ServiceTerminated", "withdrawal")


# ---- access ---------------------------------------------------------------------------------


async def test_another_municipality_and_the_ministry_cannot_read_or_change_a_case(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> None:
    reply = await granted_case(decisions, js)
    url = f"{DGP}/cases/{reply['case_id']}"
    for token in ("ludza-caseworker", "ministry", "dgp-assistant"):
        assert (await decisions.get(url, headers=auth(token))).status_code == 403
        assert (await decisions.get(f"{DGP}/cases", headers=auth(token))).status_code == 403
        document = await decisions.get(f"{url}/decisions/1/document", headers=auth(token))
        assert document.status_code == 403
    assert (await decisions.get(url)).status_code == 401
    # Through its own municipality's path, Ludza does not even learn the case exists.
    ludza = url.replace("daugavpils", "ludza")
    assert (await decisions.get(ludza, headers=auth("ludza-caseworker"))).status_code == 404
    forged = await decisions.post(
        f"{ludza}/termination",
        json={"reason": "other", "terminated_from": TODAY.isoformat()},
        headers={**auth("ludza-caseworker"), "Idempotency-Key": "k"},
    )
    assert forged.status_code == 404
