"""Issue #13 for real (NATS + PostgreSQL): register numbers under concurrency, the 40 h limit
across municipalities, a termination ending assignments, the deadline extension with its
notice and the overdue check, the residence refusal, and the PDF of a decision."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext
from pypdf import PdfReader

from services.decisions.documents.latvian import date_words
from services.intake.app import create as create_intake
from services.intake.consumers import forwarded_id
from shared.contracts.decisions import ApplicationForwarded
from shared.events.envelope import new_event_id
from shared.rules.deadlines import decision_deadline, latest_extended_deadline
from shared.store.eventstore import EventContext
from tests.conftest import ServiceFactory, auth
from tests.integration.test_decisions_assistants import assign, assistant, register
from tests.integration.test_decisions_support import (
    CASEWORKER,
    DGP,
    HEARD,
    INTAKE,
    TODAY,
    adult_facts,
    case_of,
    event_names,
    eventually,
    granted_case,
    headers,
    open_case,
    publish,
    submitted,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]

LUDZA = "/municipalities/ludza"
LUDZA_CASEWORKER = auth("ludza-caseworker")


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"{DGP}/{path}", json=body, headers=headers())


async def test_concurrent_decisions_get_consecutive_register_numbers_without_gaps(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    """legal.md §3 item 2: prefix/year/sequence per municipality and year, never a UUID."""
    cases = [await open_case(decisions, js) for _ in range(7)]
    for case in cases:
        url = f"cases/{case['case_id']}/assessment"
        assert (await post(decisions, url, adult_facts())).status_code == 201
    # A refused command (a period end the rules do not allow) takes no number.
    bad = {"period_start": TODAY.isoformat(), "period_end": "2099-01-01"}
    good = {"period_start": TODAY.isoformat()}
    refused_case, cases = cases[0], cases[1:]
    replies = await asyncio.gather(
        post(decisions, f"cases/{refused_case['case_id']}/decision", bad),
        *(post(decisions, f"cases/{c['case_id']}/decision", good) for c in cases),
    )
    assert replies[0].status_code == 422
    assert all(r.status_code == 201 for r in replies[1:]), [r.text for r in replies]
    numbers = sorted(r.json()["decision"]["data"]["register_number"] for r in replies[1:])
    year = TODAY.year
    assert sorted(numbers, key=lambda n: int(n.rsplit("/", 1)[1])) == [
        f"DSD/{year}/{n}" for n in range(1, 7)
    ]
    assert await db.fetchval("select last_number from register_counters") == 6
    document = await decisions.get(
        f"{DGP}/cases/{cases[1]['case_id']}/decisions/1/document?format=txt", headers=CASEWORKER
    )
    assert "Nr. DSD/" in document.text and cases[1]["case_id"] not in document.text
    assert document.headers["Asist-Document-As-Issued"] == "true"  # legal.md §3


async def open_ludza_case(decisions: httpx.AsyncClient, js: JetStreamContext) -> dict[str, Any]:
    data = submitted()
    context = EventContext(municipality="ludza", correlation_id=new_event_id())
    await publish(js, INTAKE.envelope(f"application-{data.application_id}", 1, data, context))

    async def seen() -> dict[str, Any] | None:
        reply = await decisions.get(
            f"{LUDZA}/cases/{data.application_id}", headers=LUDZA_CASEWORKER
        )
        return reply.json() if reply.status_code == 200 else None

    return await eventually(seen)


async def two_registrations(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> tuple[str, str, str, str]:
    """A client granted in each of Daugavpils and Ludza, and one person registered as an
    assistant in both: (Daugavpils case, Ludza case, Daugavpils id, Ludza id)."""
    dgp_case = (await granted_case(decisions, js))["case_id"]
    ludza_case = (await open_ludza_case(decisions, js))["case_id"]
    url = f"{LUDZA}/cases/{ludza_case}"
    for path, body in (("assessment", adult_facts()), ("decision", {"period_start": str(TODAY)})):
        reply = await decisions.post(
            f"{url}/{path}", json=body, headers=headers() | LUDZA_CASEWORKER
        )
        assert reply.status_code == 201, reply.text
    in_daugavpils = await register(decisions)
    ludza_reply = await decisions.post(
        f"{LUDZA}/assistants", json=assistant(), headers=headers() | LUDZA_CASEWORKER
    )
    assert ludza_reply.status_code == 201, ludza_reply.text
    return dgp_case, ludza_case, in_daugavpils, ludza_reply.json()["assistant_id"]


async def assign_in_ludza(
    decisions: httpx.AsyncClient, assistant_id: str, case_id: str, hours: int
) -> httpx.Response:
    body = {"case_id": case_id, "assigned_from": TODAY.isoformat(), "weekly_hours": hours}
    return await decisions.post(
        f"{LUDZA}/assistants/{assistant_id}/assignments",
        json=body,
        headers=headers() | LUDZA_CASEWORKER,
    )


async def test_the_same_person_assisting_in_two_municipalities_counts_once_for_40_hours(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    """rules.md §6.1, architecture.md §9: registered in Daugavpils and in Ludza, one limit."""
    dgp_case, ludza_case, in_daugavpils, in_ludza = await two_registrations(decisions, js)
    assert (await assign(decisions, in_daugavpils, dgp_case, weekly_hours=30)).status_code == 201
    refused = await assign_in_ludza(decisions, in_ludza, ludza_case, 20)
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert error["code"] == "ASSISTANT_WEEKLY_LIMIT_EXCEEDED"
    assert "every municipality" in error["message"]
    allowed = await assign_in_ludza(decisions, in_ludza, ludza_case, 10)  # 30 + 10 = 40
    assert allowed.status_code == 201, allowed.text


async def test_concurrent_assignments_in_two_municipalities_cannot_pass_40_hours_together(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    dgp_case, ludza_case, in_daugavpils, in_ludza = await two_registrations(decisions, js)
    replies = await asyncio.gather(
        assign(decisions, in_daugavpils, dgp_case, weekly_hours=25),
        assign_in_ludza(decisions, in_ludza, ludza_case, 25),
    )
    assert sorted(r.status_code for r in replies) == [201, 422], [r.text for r in replies]


async def test_a_termination_ends_every_active_assignment_on_the_last_day_of_service(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    case_id = (await granted_case(decisions, js))["case_id"]
    first = await register(decisions)
    second = await register(decisions, personal_code="010190-10001", first_name="Anna")
    assert (await assign(decisions, first, case_id, weekly_hours=20)).status_code == 201
    later = (TODAY + timedelta(days=10)).isoformat()
    assert (
        await assign(decisions, second, case_id, weekly_hours=10, assigned_from=later)
    ).status_code == 201
    ends = TODAY + timedelta(days=5)
    reply = await post(
        decisions,
        f"cases/{case_id}/termination",
        {"reason": "moved", "terminated_from": ends.isoformat(), "person_view": "Piekrīt"} | HEARD,
    )
    assert reply.status_code == 201, reply.text
    rows = await db.fetch(
        "select assistant_id, last_day, end_reason from assignments where case_id = $1"
        " order by assistant_id",
        case_id,
    )
    last_days = {r["assistant_id"]: r["last_day"] for r in rows}
    assert last_days[first] == ends - timedelta(days=1)
    # Not yet begun: ended the day before it would have started (it never served).
    assert last_days[second] == TODAY + timedelta(days=9)
    assert all("terminated" in r["end_reason"] for r in rows)
    assert (await event_names(db, f"assistant-{first}"))[-1] == "AssistantUnassigned"


async def test_an_extended_deadline_has_a_notice_and_the_overdue_check_uses_it(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    case = await open_case(decisions, js)
    case_id, received = case["case_id"], TODAY
    first_deadline = decision_deadline(received)
    too_far = latest_extended_deadline(received) + timedelta(days=1)
    rejected = await post(
        decisions,
        f"cases/{case_id}/deadline-extension",
        {"new_deadline": too_far.isoformat(), "reason": "Gaidām VDEĀVK atzinumu"},
    )
    assert rejected.status_code == 422
    assert rejected.json()["errors"][0]["field"] == "new_deadline"
    new_deadline = latest_extended_deadline(received)
    reply = await post(
        decisions,
        f"cases/{case_id}/deadline-extension",
        {"new_deadline": new_deadline.isoformat(), "reason": "Gaidām VDEĀVK atzinumu"},
    )
    assert reply.status_code == 201, reply.text
    data = reply.json()["decision"]["data"]
    assert data["previous_deadline"] == first_deadline.isoformat()
    assert data["register_number"].startswith("DSD/")
    viewed = await case_of(decisions, case_id)
    assert viewed is not None and viewed["decision_deadline"] == new_deadline.isoformat()
    # The day after the first deadline the case is not overdue; after the new one it is.
    check = "cases/overdue-check"
    day_after = (first_deadline + timedelta(days=1)).isoformat()
    assert (await post(decisions, check, {"today": day_after})).json()["marked"] == []
    later = (new_deadline + timedelta(days=1)).isoformat()
    assert (await post(decisions, check, {"today": later})).json()["marked"] == [case_id]
    notice = await decisions.get(
        f"{DGP}/cases/{case_id}/decisions/1/document?format=txt", headers=CASEWORKER
    )
    assert "Par iesnieguma izskatīšanas termiņa pagarināšanu" in notice.text
    assert f"pagarināts līdz {date_words(new_deadline, 'dat')}" in notice.text
    assert "DeadlineExtended" in await event_names(db, f"case-{case_id}")


async def test_an_applicant_declared_elsewhere_is_refused_with_its_own_code(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    case_id = (await open_case(decisions, js))["case_id"]
    same = await post(
        decisions, f"cases/{case_id}/residence-refusal", {"declared_municipality": "daugavpils"}
    )
    assert same.status_code == 422 and same.json()["errors"][0]["code"] == "RESIDENCE_HERE"
    reply = await post(
        decisions,
        f"cases/{case_id}/residence-refusal",
        {"declared_municipality": "ludza"} | HEARD,
    )
    assert reply.status_code == 201, reply.text
    data = reply.json()["decision"]["data"]
    assert data["reasons"] == ["RESIDENCE_ELSEWHERE"]
    assert data["reason_sections"] == {"RESIDENCE_ELSEWHERE": "rules.md §3.5"}
    assert reply.json()["status"] == "refused"
    pdf = await decisions.get(
        f"{DGP}/cases/{case_id}/decisions/1/document?format=pdf", headers=CASEWORKER
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert "Par atteikumu piešķirt asistenta pakalpojumu" in text
    assert "pašvaldība: Ludzas novada pašvaldība" in text
    assert "Rīgas iela 1, Daugavpils, LV-5401" in text  # the declared address from intake
    assert "RESIDENCE_ELSEWHERE" not in text


async def test_a_document_of_an_unknown_decision_is_404(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> None:
    case_id = (await open_case(decisions, js))["case_id"]
    url = f"{DGP}/cases/{case_id}/decisions/1/document"
    assert (await decisions.get(url, headers=CASEWORKER)).status_code == 404
    assert uuid.UUID(case_id)


async def test_the_caseworker_may_forward_instead_of_refusing(
    decisions: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    """rules.md §3.5: ``ApplicationForwarded`` names the other municipality; the case closes."""
    case_id = (await open_case(decisions, js))["case_id"]
    reply = await post(decisions, f"cases/{case_id}/forwarding", {"to_municipality": "ludza"})
    assert reply.status_code == 201, reply.text
    assert reply.json()["status"] == "forwarded"
    assert reply.json()["forwarded"]["to_municipality"] == "ludza"
    assert (await event_names(db, f"case-{case_id}"))[-2:] == [
        "ApplicationForwarded",
        "CaseClosed",
    ]
    listed = await decisions.get(f"{DGP}/cases?status=forwarded", headers=CASEWORKER)
    assert [c["case_id"] for c in listed.json()["items"]] == [case_id]
    again = await post(decisions, f"cases/{case_id}/forwarding", {"to_municipality": "ludza"})
    assert again.status_code == 409  # the case is closed


async def test_a_forwarded_application_opens_a_case_in_the_other_municipality(
    decisions: httpx.AsyncClient,
    js: JetStreamContext,
    start_service: ServiceFactory,
    db: asyncpg.Connection,
) -> None:
    """rules.md §3.5 end to end: decisions forwards, Ludza's intake registers the application
    (channel ``forwarded``, received the day it was forwarded), Ludza's case opens."""
    intake = await start_service(create_intake)
    case_id = (await open_case(decisions, js))["case_id"]
    reply = await post(decisions, f"cases/{case_id}/forwarding", {"to_municipality": "ludza"})
    assert reply.status_code == 201, reply.text
    forwarded = ApplicationForwarded.model_validate(reply.json()["forwarded"])
    new_id = forwarded_id(forwarded)

    async def in_ludza() -> dict[str, Any] | None:
        found = await decisions.get(f"{LUDZA}/cases/{new_id}", headers=LUDZA_CASEWORKER)
        return found.json() if found.status_code == 200 else None

    ludza_case = await eventually(in_ludza, seconds=20)
    assert ludza_case["received_on"] == TODAY.isoformat()
    assert ludza_case["application"]["client"]["personal_code"] == "12038512342"
    application = await intake.get(f"{LUDZA}/applications/{new_id}", headers=LUDZA_CASEWORKER)
    assert application.status_code == 200 and application.json()["channel"] == "forwarded"
