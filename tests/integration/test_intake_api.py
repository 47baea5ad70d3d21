"""The intake HTTP API against real PostgreSQL and NATS JetStream (architecture.md §3, §5)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.intake import rebuild
from services.intake.app import create
from shared.events.personal import WIRE_PATTERN
from shared.settings import Settings
from shared.store.db import database_dsn
from tests.conftest import ServiceFactory, auth

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]

DGP = "/municipalities/daugavpils/applications"
CASEWORKER = auth("dgp-caseworker")
TODAY = datetime.now(ZoneInfo("Europe/Riga")).date()


def command_headers(key: str | None = None, **extra: str) -> dict[str, str]:
    return {**CASEWORKER, "Idempotency-Key": key or str(uuid.uuid4()), **extra}


def application(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "in_person",
        "received_on": "2026-11-02",
        "applicant": {
            "personal_code": "120385-12342",
            "first_name": "Jānis",
            "last_name": "Bērziņš",
            "birth_date": "1985-03-12",
            "declared_address": "Rīgas iela 1, Daugavpils, LV-5401",
            "phone": "+371 26123456",
        },
        "activities": [
            {"kind": "work", "hours_per_week": "20", "description": "to the workshop"},
            {"kind": "leisure", "hours_per_week": 2},
        ],
        "receives_vision_benefit": False,
        "preferred_assistant": "Pēteris Ozols",
    }
    return {**body, **changes}


def document(**changes: Any) -> dict[str, Any]:
    body = {
        "kind": "commission_opinion",
        "title": "VDEĀVK atzinums Nr. 123",
        "content_sha256": "ab" * 32,
        "storage_ref": "s3://daugavpils-intake/2026/11/atzinums-123.pdf",
        "received_on": "2026-11-03",
    }
    return {**body, **changes}


@pytest.fixture
async def client(start_service: ServiceFactory) -> httpx.AsyncClient:
    return await start_service(create)


@pytest.fixture
async def db(settings: Settings, client: httpx.AsyncClient) -> AsyncIterator[asyncpg.Connection]:
    """intake's own database, opened beside the running service (after its migrations)."""
    conn = await asyncpg.connect(
        database_dsn(settings.database_url, settings.database_name("intake"))
    )
    try:
        yield conn
    finally:
        await conn.close()


async def submit(client: httpx.AsyncClient, **changes: Any) -> str:
    response = await client.post(DGP, json=application(**changes), headers=command_headers())
    assert response.status_code == 201, response.text
    return str(response.json()["application_id"])


async def bus_messages(
    js: JetStreamContext, subject: str, application_id: str, expected: int
) -> list[Msg]:
    """The messages of one application on ``subject``, waiting for the relay to publish.

    Filtered by the CloudEvents ``subject`` (the application's stream), because other
    tests may publish on the same server at the same time.
    """
    sub = await js.pull_subscribe(
        subject,
        stream="INTAKE",
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
    )
    seen: list[Msg] = []

    def keep(msgs: list[Msg]) -> list[Msg]:
        wanted = f"application-{application_id}"
        return [m for m in msgs if json.loads(m.data)["subject"] == wanted]

    try:
        for _ in range(20):
            if len(seen) >= expected:
                break
            with contextlib.suppress(TimeoutError):
                seen += keep(await sub.fetch(100, timeout=0.25))
        with contextlib.suppress(TimeoutError):  # anything beyond `expected` is a duplicate
            seen += keep(await sub.fetch(100, timeout=0.3))
    finally:
        await sub.unsubscribe()
    return seen


async def counts(db: asyncpg.Connection) -> dict[str, int]:
    tables = ["events", "outbox", "idempotency_keys", "applications", "application_documents"]
    return {t: await db.fetchval(f"select count(*) from {t}") for t in tables}


# ---- submission and the bus ---------------------------------------------------------------


async def test_a_submitted_application_is_published_as_a_cloudevent(
    client: httpx.AsyncClient, js: JetStreamContext
) -> None:
    response = await client.post(
        DGP, json=application(), headers=command_headers(**{"X-Correlation-Id": "corr-42"})
    )
    assert response.status_code == 201, response.text
    body = response.json()
    application_id = body["application_id"]
    assert uuid.UUID(application_id).version == 7
    assert body["status"] == "submitted"
    assert body["received_on"] == "2026-11-02"
    assert body["decision_due_on"] == "2026-12-02"  # rules.md §5.4: a Wednesday
    assert response.headers["Location"] == f"{DGP}/{application_id}"
    assert response.headers["X-Correlation-Id"] == "corr-42"

    [msg] = await bus_messages(
        js, "asist.daugavpils.intake.ApplicationSubmitted", application_id, 1
    )
    event = JSONFormat().read(CloudEvent, msg.data)  # the official SDK parses it
    assert msg.headers is not None and msg.headers["Nats-Msg-Id"] == event.get_id()
    assert event.get_specversion() == "1.0"
    assert event.get_type() == "lv.asist.intake.ApplicationSubmitted.v1"
    assert event.get_source() == "/asist/daugavpils/intake"
    assert event.get_subject() == f"application-{application_id}"
    assert event.get_extension("municipality") == "daugavpils"
    assert event.get_extension("aggregateversion") == 1
    assert event.get_extension("correlationid") == "corr-42"
    assert str(event.get_extension("actor")).startswith("caseworker:daugavpils:")
    data = event.get_data()
    assert isinstance(data, dict)
    assert data["application_id"] == application_id
    # Personal fields travel encrypted with the person's key (issue #9); the rest is clear.
    assert re.match(WIRE_PATTERN, data["applicant"]["personal_code"])
    assert "12038512342" not in msg.data.decode() and "Bērziņš" not in msg.data.decode()
    assert [a["kind"] for a in data["activities"]] == ["work", "leisure"]


async def test_received_on_defaults_to_today_in_riga(client: httpx.AsyncClient) -> None:
    body = application()
    del body["received_on"]
    response = await client.post(DGP, json=body, headers=command_headers())
    assert response.status_code == 201, response.text
    assert response.json()["received_on"] == TODAY.isoformat()


async def test_the_same_idempotency_key_returns_the_first_response_and_one_event(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    headers = command_headers("submit-once")
    first = await client.post(DGP, json=application(), headers=headers)
    again = await client.post(DGP, json=application(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert (await counts(db))["events"] == 1

    other = await client.post(DGP, json=application(channel="post"), headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["title"] == "Idempotency-Key reused"
    assert (await counts(db))["events"] == 1


async def test_a_command_without_an_idempotency_key_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(DGP, json=application(), headers=CASEWORKER)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


# ---- validation: every bad field named, nothing written -----------------------------------


async def test_malformed_fields_are_named_and_nothing_is_written(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    body = application(channel="fax", activities=[{"kind": "flying", "hours_per_week": 0}])
    body["applicant"] = {
        **body["applicant"],
        "email": "not-an-email",
        "first_name": "",
        "middle_name": "misspelt fields are not dropped silently",
    }
    response = await client.post(DGP, json=body, headers=command_headers())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "channel",
        "applicant.first_name",
        "applicant.email",
        "applicant.middle_name",
        "activities.0.kind",
        "activities.0.hours_per_week",
    }
    assert set((await counts(db)).values()) == {0}


async def test_rule_breaking_applications_are_refused_naming_each_field_and_nothing_is_written(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"personal_code": "120385-12343"}, {"applicant.personal_code"}),
        ({"birth_date": "1985-03-13"}, {"applicant.birth_date"}),
        ({"birth_date": "1885-03-12"}, {"applicant.birth_date"}),  # century digit 1: 1900s
        ({"phone": None}, {"applicant.phone"}),
    ]
    for applicant_changes, expected in cases:
        body = application()
        body["applicant"] = {**body["applicant"], **applicant_changes}
        response = await client.post(DGP, json=body, headers=command_headers())
        assert response.status_code == 422, response.text
        assert {e["field"] for e in response.json()["errors"]} == expected

    child = {
        **application()["applicant"],
        "personal_code": "150620-23454",
        "birth_date": "2020-06-15",
    }
    response = await client.post(
        DGP,
        json=application(
            applicant=child,
            activities=[{"kind": "day_care", "hours_per_week": 5}] * 2,
            received_on=(TODAY + timedelta(days=1)).isoformat(),
        ),
        headers=command_headers(),
    )
    assert response.status_code == 422
    problem = response.json()
    assert {e["field"] for e in problem["errors"]} == {
        "representative",
        "activities.1.kind",
        "received_on",
    }
    assert "representative" in problem["detail"]

    adult_without_activities = application(activities=[])
    response = await client.post(DGP, json=adult_without_activities, headers=command_headers())
    assert [e["field"] for e in response.json()["errors"]] == ["activities"]

    assert set((await counts(db)).values()) == {0}  # no outbox row: nothing will be published


async def test_a_child_applies_through_a_representative(client: httpx.AsyncClient) -> None:
    child = {
        **application()["applicant"],
        "personal_code": "15062023454",
        "birth_date": "2020-06-15",
        "phone": None,
    }
    parent = {
        "personal_code": "120385-12342",
        "first_name": "Anna",
        "last_name": "Bērziņa",
        "relation": "parent",
        "email": "anna@example.lv",
    }
    application_id = await submit(
        client,
        applicant=child,
        representative=parent,
        activities=[],
        weekly_medical_procedures=True,
    )
    view = (await client.get(f"{DGP}/{application_id}", headers=CASEWORKER)).json()
    assert view["representative"]["personal_code"] == "12038512342"
    assert view["weekly_medical_procedures"] is True
    assert view["activities"] == []


# ---- access ---------------------------------------------------------------------------------


async def test_another_municipality_can_neither_see_nor_change_an_application(
    client: httpx.AsyncClient,
) -> None:
    application_id = await submit(client)
    ludza = auth("ludza-caseworker")
    assert (await client.get(f"{DGP}/{application_id}", headers=ludza)).status_code == 403
    assert (await client.get(DGP, headers=ludza)).status_code == 403
    posted = await client.post(
        f"{DGP}/{application_id}/documents",
        json=document(),
        headers={**ludza, "Idempotency-Key": "k1"},
    )
    assert posted.status_code == 403

    # Through its own municipality's path, the id is simply unknown: existence never leaks.
    own = f"/municipalities/ludza/applications/{application_id}"
    assert (await client.get(own, headers=ludza)).status_code == 404
    withdrawal = await client.post(
        f"{own}/withdrawal", json={}, headers={**ludza, "Idempotency-Key": "k2"}
    )
    assert withdrawal.status_code == 404
    listed = (await client.get("/municipalities/ludza/applications", headers=ludza)).json()
    assert listed["items"] == []


async def test_tokens_roles_and_municipalities_are_checked(client: httpx.AsyncClient) -> None:
    assert (await client.get(DGP)).status_code == 401
    assert (await client.get(DGP, headers=auth("dgp-assistant"))).status_code == 403
    assert (await client.get(DGP, headers=auth("ministry"))).status_code == 403  # no personal data
    unknown = await client.get("/municipalities/atlantis/applications", headers=CASEWORKER)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    missing = await client.get(f"{DGP}/{uuid.uuid4()}", headers=CASEWORKER)
    assert missing.status_code == 404
    assert (await client.get(f"{DGP}/not-a-uuid", headers=CASEWORKER)).status_code == 404


# ---- documents, withdrawal, circumstances, reads -------------------------------------------


async def test_withdrawing_twice_or_adding_to_a_withdrawn_application_is_a_conflict(
    client: httpx.AsyncClient, js: JetStreamContext
) -> None:
    application_id = await submit(client)
    url = f"{DGP}/{application_id}"
    withdrawal = {"reason": "moved to Rīga", "withdrawn_on": "2026-11-05"}
    first = await client.post(f"{url}/withdrawal", json=withdrawal, headers=command_headers())
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "withdrawn"

    second = await client.post(f"{url}/withdrawal", json=withdrawal, headers=command_headers())
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    late = await client.post(f"{url}/documents", json=document(), headers=command_headers())
    assert late.status_code == 409

    [msg] = await bus_messages(
        js, "asist.daugavpils.intake.ApplicationWithdrawn", application_id, 1
    )
    assert JSONFormat().read(CloudEvent, msg.data).get_extension("aggregateversion") == 2


async def test_documents_and_changes_are_listed_with_the_application(
    client: httpx.AsyncClient, js: JetStreamContext
) -> None:
    application_id = await submit(client)
    second_id = await submit(client, received_on="2026-11-10")
    url = f"{DGP}/{application_id}"
    added = await client.post(f"{url}/documents", json=document(), headers=command_headers())
    assert added.status_code == 201, added.text
    assert added.json()["kind"] == "commission_opinion"
    proof = document(kind="activity_proof", title="Izziņa no darba", content_sha256="C" * 64)
    assert (
        await client.post(f"{url}/documents", json=proof, headers=command_headers())
    ).status_code == 201
    change = {
        "kind": "inpatient",
        "effective_from": "2026-12-01",
        "effective_until": "2026-12-14",
        "description": "planned surgery",
    }
    reported = await client.post(f"{url}/circumstances", json=change, headers=command_headers())
    assert reported.status_code == 201, reported.text
    backwards = {**change, "effective_until": "2026-11-30"}
    refused = await client.post(f"{url}/circumstances", json=backwards, headers=command_headers())
    assert [e["field"] for e in refused.json()["errors"]] == ["effective_until"]

    view = (await client.get(url, headers=CASEWORKER)).json()
    assert [d["kind"] for d in view["documents"]] == ["commission_opinion", "activity_proof"]
    assert view["documents"][1]["content_sha256"] == "c" * 64
    assert [c["kind"] for c in view["changes"]] == ["inpatient"]
    assert view["applicant"]["personal_code"] == "12038512342"
    assert view["applicant_name"] == "Jānis Bērziņš"
    assert view["version"] == 4

    await client.post(f"{DGP}/{second_id}/withdrawal", json={}, headers=command_headers())
    page = (await client.get(DGP, headers=CASEWORKER)).json()
    assert page["total"] == 2
    assert [i["application_id"] for i in page["items"]] == [second_id, application_id]
    assert [i["document_count"] for i in page["items"]] == [0, 2]
    withdrawn = (await client.get(f"{DGP}?status=withdrawn", headers=CASEWORKER)).json()
    assert [i["application_id"] for i in withdrawn["items"]] == [second_id]
    assert withdrawn["items"][0]["withdrawn_on"] == TODAY.isoformat()
    paged = (await client.get(f"{DGP}?limit=1&offset=1", headers=CASEWORKER)).json()
    assert [i["application_id"] for i in paged["items"]] == [application_id]
    # "granted" is a status since issue 18 (the view follows the case); "approved" is none.
    bad = await client.get(f"{DGP}?status=approved&limit=0", headers=CASEWORKER)
    assert {e["field"] for e in bad.json()["errors"]} == {"status", "limit"}

    added_subject = "asist.daugavpils.intake.ApplicationDocumentAdded"
    assert len(await bus_messages(js, added_subject, application_id, 2)) == 2
    changed_subject = "asist.daugavpils.intake.CircumstancesReported"
    assert len(await bus_messages(js, changed_subject, application_id, 1)) == 1


# ---- projections --------------------------------------------------------------------------


async def test_a_rebuilt_projection_equals_the_live_one(
    client: httpx.AsyncClient, db: asyncpg.Connection, settings: Settings
) -> None:
    ids = [await submit(client, received_on=f"2026-11-0{day}") for day in (2, 3, 4)]
    for application_id in ids[:2]:
        url = f"{DGP}/{application_id}"
        await client.post(f"{url}/documents", json=document(), headers=command_headers())
    await client.post(
        f"{DGP}/{ids[0]}/circumstances",
        json={"kind": "moved_residence", "effective_from": "2026-11-04"},
        headers=command_headers(),
    )
    await client.post(f"{DGP}/{ids[1]}/withdrawal", json={}, headers=command_headers())

    async def snapshot() -> dict[str, list[dict[str, Any]]]:
        return {
            table: [dict(r) for r in await db.fetch(f"select * from {table} order by 1")]
            for table in ("applications", "application_documents", "application_changes")
        }

    live = await snapshot()
    assert [len(rows) for rows in live.values()] == [3, 2, 1]
    assert await rebuild.run(settings) == 3 + 2 + 1 + 1  # python -m services.intake.rebuild
    assert await snapshot() == live
    listed = (await client.get(DGP, headers=CASEWORKER)).json()
    assert listed["total"] == 3


async def test_concurrent_commands_on_one_application_are_serialised_not_merged(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    application_id = await submit(client)
    url = f"{DGP}/{application_id}"
    documents = await asyncio.gather(
        *(
            client.post(f"{url}/documents", json=document(), headers=command_headers())
            for _ in range(6)
        )
    )
    assert [r.status_code for r in documents] == [201] * 6
    withdrawals = await asyncio.gather(
        *(client.post(f"{url}/withdrawal", json={}, headers=command_headers()) for _ in range(4))
    )
    assert sorted(r.status_code for r in withdrawals) == [200, 409, 409, 409]
    versions = await db.fetch(
        "select version from events where stream_id = $1 order by version",
        f"application-{application_id}",
    )
    assert [r["version"] for r in versions] == list(range(1, 9))
    view = (await client.get(url, headers=CASEWORKER)).json()
    assert (view["version"], len(view["documents"]), view["status"]) == (8, 6, "withdrawn")
