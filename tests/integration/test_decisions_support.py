"""Harness of the decisions integration tests (no tests here): intake events on the bus,
the service under test, its database, and a polling helper. Each test module declares
its own two fixtures from ``start_decisions`` and ``decisions_db``.

Upstream events are real CloudEvents envelopes published to JetStream exactly as intake's
relay does (``Nats-Msg-Id`` = event id), so the service consumes them through its durable
consumer over a real NATS server, and writes to a real PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from nats.js import JetStreamContext
from pydantic import BaseModel

from services.decisions.app import create
from shared.bus.provisioning import ensure_service_stream
from shared.contracts.intake import (
    ActivityRequest,
    ApplicationSubmitted,
    Channel,
    Person,
)
from shared.events.envelope import Envelope, new_event_id
from shared.settings import Settings
from shared.store.db import database_dsn
from shared.store.eventstore import EventContext, EventStore
from tests.conftest import ServiceFactory, auth

T = TypeVar("T")

INTAKE = EventStore("intake")
DGP = "/municipalities/daugavpils"
CASEWORKER = auth("dgp-caseworker")
TODAY = datetime.now(ZoneInfo("Europe/Riga")).date()


# APL 62 (issue #17): unfavourable acts need the person heard first; tests not about the
# hearing itself add this to the body.
HEARD: dict[str, Any] = {
    "hearing": {
        "method": "letter",
        "asked_on": (TODAY - timedelta(days=14)).isoformat(),
        "answer_by": (TODAY - timedelta(days=4)).isoformat(),
        "answered_on": (TODAY - timedelta(days=7)).isoformat(),
        "view": "Persona nepiekrīt",
        "weighed": "Viedoklis izvērtēts; tas nemaina konstatētos faktus",
    }
}


def headers(key: str | None = None) -> dict[str, str]:
    return {**CASEWORKER, "Idempotency-Key": key or str(uuid.uuid4())}


def submitted(**changes: Any) -> ApplicationSubmitted:
    fields: dict[str, Any] = {
        "application_id": str(uuid.uuid4()),
        "received_on": TODAY,
        "channel": Channel.IN_PERSON,
        "applicant": Person(
            personal_code="12038512342",
            first_name="Jānis",
            last_name="Bērziņš",
            birth_date=date(1985, 3, 12),
            declared_address="Rīgas iela 1, Daugavpils, LV-5401",
        ),
        "activities": [
            ActivityRequest(kind="work", hours_per_week=20),
            ActivityRequest(kind="leisure", hours_per_week=5),
        ],
    }
    return ApplicationSubmitted(**(fields | changes))


def envelope_of(data: BaseModel, application_id: str, version: int = 1) -> Envelope:
    context = EventContext(municipality="daugavpils", correlation_id=new_event_id())
    return INTAKE.envelope(f"application-{application_id}", version, data, context)


async def publish(js: JetStreamContext, envelope: Envelope, msg_id: str | None = None) -> None:
    """As intake's relay publishes: the body on its subject, ``Nats-Msg-Id`` = event id."""
    await js.publish(
        envelope.nats_subject, envelope.to_json(), headers={"Nats-Msg-Id": msg_id or envelope.id}
    )


async def eventually(check: Callable[[], Awaitable[T | None]], seconds: float = 10.0) -> T:
    """Poll ``check`` until it returns something (not None/False): consumption is async."""
    deadline = time.monotonic() + seconds
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def start_decisions(start_service: ServiceFactory, js: JetStreamContext) -> httpx.AsyncClient:
    """The service under test; intake's stream first, so the tests can publish to it."""
    await ensure_service_stream(js, "intake")
    return await start_service(create)


@contextlib.asynccontextmanager
async def decisions_db(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    """The decisions database, opened beside the running service (after its migrations)."""
    conn = await asyncpg.connect(
        database_dsn(settings.database_url, settings.database_name("decisions"))
    )
    try:
        yield conn
    finally:
        await conn.close()


async def case_of(client: httpx.AsyncClient, case_id: str) -> dict[str, Any] | None:
    response = await client.get(f"{DGP}/cases/{case_id}", headers=CASEWORKER)
    return response.json() if response.status_code == 200 else None


async def open_case(
    client: httpx.AsyncClient, js: JetStreamContext, **changes: Any
) -> dict[str, Any]:
    """Publish an ApplicationSubmitted and wait until the case is open."""
    data = submitted(**changes)
    await publish(js, envelope_of(data, data.application_id))
    return await eventually(lambda: case_of(client, data.application_id))


def needs_assessment(result: str = "intensity_level_2", on: date = TODAY) -> dict[str, Any]:
    """rules.md §3.1: the social service's own assessment, a recorded fact of the case."""
    return {"result": result, "assessor": "Inga Vanaga", "assessed_on": on.isoformat()}


def adult_facts(**changes: Any) -> dict[str, Any]:
    """An adult decided today, under LV-2021 (rules.md §3.1, §4.2a): group II, a mobility
    limitation, the social service's assessment at intensity level 2 and the purpose
    work_study_sport with its proof: 160 h/month (36.92 h of an assistant's week)."""
    return {
        "disability_group": 2,
        "disability_valid_until": (TODAY + timedelta(days=730)).isoformat(),
        "functional_limitations": ["mobility"],
        "needs_assessment": needs_assessment(),
        "purposes": [{"purpose": "work_study_sport", "proof": "Darba līgums Nr. 12"}],
    } | changes


async def granted_case(
    client: httpx.AsyncClient, js: JetStreamContext, **decision: Any
) -> dict[str, Any]:
    """An open case, assessed as an adult, granted 160 h/month from today (or as ``decision``)."""
    case = await open_case(client, js)
    url = f"{DGP}/cases/{case['case_id']}"
    recorded = await client.post(f"{url}/assessment", json=adult_facts(), headers=headers())
    assert recorded.status_code == 201, recorded.text
    body = {"period_start": TODAY.isoformat()} | decision
    response = await client.post(f"{url}/decision", json=body, headers=headers())
    assert response.status_code == 201, response.text
    return dict(response.json())


async def event_names(db: asyncpg.Connection, stream_id: str | None = None) -> list[str]:
    rows = await db.fetch(
        "select event_type from events where ($1::text is null or stream_id = $1)"
        " order by position",
        stream_id,
    )
    return [r["event_type"].split(".")[3] for r in rows]
