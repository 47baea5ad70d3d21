"""Harness of the reporting integration tests (no tests here).

Upstream events are CloudEvents envelopes published to JetStream as each producer's relay
publishes them (``Nats-Msg-Id`` = event id), so the reporting service consumes them
through its durable consumers from a real NATS server into a real PostgreSQL database.
``copies`` publishes the same event again under other message ids, which JetStream does
not de-duplicate: the consumer sees the event several times, as after a redelivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any

import asyncpg
import httpx
from nats.js import JetStreamContext
from pydantic import BaseModel

import shared.contracts  # noqa: F401  (registers every event type)
from services.reporting.app import create
from shared.bus.provisioning import ensure_service_stream
from shared.clock import RIGA
from shared.events.envelope import Envelope, new_event_id
from shared.events.registry import registry
from shared.settings import Settings
from shared.store.db import database_dsn
from shared.store.eventstore import EventContext, EventStore
from tests.conftest import ServiceFactory, auth

MINISTRY = auth("ministry")
UPSTREAMS = ("intake", "decisions", "timesheets", "payments")


def envelope(
    data: BaseModel,
    municipality: str = "daugavpils",
    *,
    stream_id: str = "aggregate",
    version: int = 1,
    known_on: date | None = None,
) -> Envelope:
    """The envelope its producer would publish; ``known_on`` sets the Latvian day recorded."""
    service = registry.spec_of(type(data)).service
    context = EventContext(municipality=municipality, correlation_id=new_event_id())
    made = EventStore(service).envelope(stream_id, version, data, context)
    if known_on is None:
        return made
    at = datetime.combine(known_on, clock_time(12, 0), tzinfo=RIGA)
    return made.model_copy(update={"time": at})


async def publish(js: JetStreamContext, event: Envelope, copies: int = 1) -> None:
    for copy in range(copies):
        msg_id = event.id if copy == 0 else f"{event.id}-copy{copy}"
        await js.publish(event.nats_subject, event.to_json(), headers={"Nats-Msg-Id": msg_id})


async def publish_all(js: JetStreamContext, events: list[Envelope], copies: int = 1) -> None:
    for event in events:
        await publish(js, event, copies)


async def start_reporting(start_service: ServiceFactory, js: JetStreamContext) -> httpx.AsyncClient:
    for service in UPSTREAMS:
        await ensure_service_stream(js, service)
    return await start_service(create)


async def caught_up(client: httpx.AsyncClient, seconds: float = 20.0) -> None:
    """Wait until every durable has applied everything published so far."""
    deadline = time.monotonic() + seconds
    while True:
        reply = await client.get("/national/status", headers=MINISTRY)
        if reply.status_code == 200 and reply.json()["caught_up"]:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"reporting did not catch up: {reply.text}")
        await asyncio.sleep(0.05)


async def national(
    client: httpx.AsyncClient, month: str, as_of: date | None = None
) -> dict[str, Any]:
    params = {"as_of": as_of.isoformat()} if as_of else {}
    reply = await client.get(f"/national/months/{month}", headers=MINISTRY, params=params)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def of(body: dict[str, Any], municipality: str) -> dict[str, Any]:
    for item in body["municipalities"]:
        if item["municipality"] == municipality:
            figures: dict[str, Any] = item["figures"]
            return figures
    raise AssertionError(f"{municipality} not in {body}")


@contextlib.asynccontextmanager
async def reporting_db(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(
        database_dsn(settings.database_url, settings.database_name("reporting"))
    )
    try:
        yield conn
    finally:
        await conn.close()


async def dump_tables(conn: asyncpg.Connection) -> str:
    """Every row of every table of the database, as text."""
    names = await conn.fetch(
        "select table_name from information_schema.tables where table_schema = 'public'"
    )
    parts = []
    for row in names:
        rows = await conn.fetch(f'select t::text as line from "{row["table_name"]}" t')
        parts.append(row["table_name"] + "\n" + "\n".join(r["line"] for r in rows))
    return "\n".join(parts)
