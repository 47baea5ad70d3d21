"""Harness of the payments integration tests (no tests here): upstream events on the bus,
the service under test, its database, and a small world of assistants and time reports.

Upstream events are real CloudEvents envelopes published to JetStream as the decisions
and timesheets relays publish them (``Nats-Msg-Id`` = event id), so payments consumes them
through its durable consumers over a real NATS server into a real PostgreSQL database.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from nats.js import JetStreamContext
from pydantic import BaseModel

from services.payments.app import create
from services.payments.bank_file import validate
from shared.bus.provisioning import ensure_service_stream
from shared.contracts.decisions import AssistantPaymentDetailsChanged, AssistantRegistered
from shared.contracts.timesheets import ApprovedDay, TimesheetApproved, TimesheetCorrected
from shared.events.envelope import Envelope, new_event_id
from shared.rules import TaxStatus
from shared.settings import Settings
from shared.store.db import database_dsn
from shared.store.eventstore import EventContext, EventStore
from tests.conftest import ServiceFactory, auth
from tests.integration.test_decisions_support import eventually, publish

DECISIONS = EventStore("decisions")
TIMESHEETS = EventStore("timesheets")
DGP = "/municipalities/daugavpils"
FINANCE = auth("dgp-finance")
FINANCE_2 = auth("dgp-finance-2")
LUDZA_FINANCE = auth("ludza-finance")
LUDZA_FINANCE_2 = auth("ludza-finance-2")


def command(who: dict[str, str], key: str | None = None) -> dict[str, str]:
    return {**who, "Idempotency-Key": key or str(uuid.uuid4())}


def envelope_of(
    store: EventStore, stream: str, data: BaseModel, municipality: str, version: int = 1
) -> Envelope:
    context = EventContext(municipality=municipality, correlation_id=new_event_id())
    return store.envelope(stream, version, data, context)


async def start_payments(start_service: ServiceFactory, js: JetStreamContext) -> httpx.AsyncClient:
    """The service under test; the upstream streams first, so tests can publish to them."""
    await ensure_service_stream(js, "decisions")
    await ensure_service_stream(js, "timesheets")
    return await start_service(create)


@contextlib.asynccontextmanager
async def payments_db(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    """The payments database beside the running service. On the way out every bank file
    the test made is validated against the official pain.001.001.09 XSD."""
    conn = await asyncpg.connect(
        database_dsn(settings.database_url, settings.database_name("payments"))
    )
    try:
        yield conn
        for row in await conn.fetch("select file_name, content from bank_files"):
            validate(bytes(row["content"]))
    finally:
        await conn.close()


@dataclass
class Assistant:
    assistant_id: str
    iban: str
    tax_status: TaxStatus = TaxStatus.EMPLOYEE_LIKE
    municipality: str = "daugavpils"
    tax_book_held: bool = True


IBANS = [
    "LV80BANK0000435195001",
    "LV97HABA0012345678910",
    "LV18RIKO0000083350911",
    "LV55UNLA0050014285342",
]


async def register(js: JetStreamContext, db: asyncpg.Connection, assistant: Assistant) -> None:
    data = AssistantRegistered(
        assistant_id=assistant.assistant_id,
        municipality=assistant.municipality,
        personal_code="12038512342",
        first_name="Jānis",
        last_name="Bērziņš",
        iban=assistant.iban,
        tax_status=assistant.tax_status,
        experience="years of care",
        registered_on=date(2026, 9, 1),
        tax_book_held=assistant.tax_book_held,
    )
    stream = f"assistant-{assistant.assistant_id}"
    await publish(js, envelope_of(DECISIONS, stream, data, assistant.municipality))

    async def known() -> bool:
        found = await db.fetchval(
            "select 1 from assistants where assistant_id = $1", assistant.assistant_id
        )
        return found is not None

    await eventually(known)


async def change_iban(
    js: JetStreamContext, db: asyncpg.Connection, assistant: Assistant, iban: str
) -> None:
    data = AssistantPaymentDetailsChanged(
        assistant_id=assistant.assistant_id, changed_on=date(2026, 12, 3), iban=iban
    )
    stream = f"assistant-{assistant.assistant_id}"
    await publish(js, envelope_of(DECISIONS, stream, data, assistant.municipality, version=2))

    async def changed() -> bool:
        now = await db.fetchval(
            "select iban from assistants where assistant_id = $1", assistant.assistant_id
        )
        return bool(now == iban)

    await eventually(changed)
    assistant.iban = iban


def days(month: str, hours: list[str]) -> list[ApprovedDay]:
    year, number = (int(x) for x in month.split("-"))
    first = date(year, number, 2)
    return [
        ApprovedDay(day=first + timedelta(days=i), activity="work", hours=Decimal(h))
        for i, h in enumerate(hours)
    ]


def approved(assistant: Assistant, month: str, hours: list[str], **kw: Any) -> TimesheetApproved:
    approved_days = days(month, hours)
    total = sum((d.hours for d in approved_days), Decimal(0))
    fields: dict[str, Any] = {
        "timesheet_id": str(uuid.uuid4()),
        "assistant_id": assistant.assistant_id,
        "case_id": "case-1",
        "assignment_id": "assignment-1",
        "month": month,
        "version": 1,
        "approved_on": date(2026, 12, 1),
        "reported_hours": total,
        "approved_hours": total,
        "days": approved_days,
    }
    return TimesheetApproved(**(fields | kw))


def corrected(first: TimesheetApproved, hours: list[str], version: int = 2) -> TimesheetCorrected:
    new_days = days(first.month, hours)
    old = {(d.day, d.activity): d.hours for d in first.days}
    difference = [
        ApprovedDay(day=d.day, activity=d.activity, hours=d.hours - old.get((d.day, d.activity), 0))
        for d in new_days
    ]
    total = sum((d.hours for d in new_days), Decimal(0))
    return TimesheetCorrected(
        timesheet_id=first.timesheet_id,
        assistant_id=first.assistant_id,
        case_id=first.case_id,
        assignment_id=first.assignment_id,
        month=first.month,
        version=version,
        corrected_on=date(2026, 12, 5),
        approved_hours=total,
        days=new_days,
        difference_hours=total - first.approved_hours,
        difference=difference,
    )


async def send_timesheet(
    js: JetStreamContext,
    db: asyncpg.Connection,
    data: TimesheetApproved | TimesheetCorrected,
    municipality: str = "daugavpils",
) -> Envelope:
    stream = f"timesheet-{data.timesheet_id}"
    envelope = envelope_of(TIMESHEETS, stream, data, municipality, version=data.version)
    await publish(js, envelope)

    async def applied() -> bool:
        version = await db.fetchval(
            "select version from timesheets where timesheet_id = $1", data.timesheet_id
        )
        return version is not None and version >= data.version

    await eventually(applied)
    return envelope


async def open_and_approve(
    client: httpx.AsyncClient, month: str, reissue: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    opened = await client.post(
        f"{DGP}/payment-runs", json={"month": month, "reissue": reissue}, headers=command(FINANCE)
    )
    assert opened.status_code == 201, opened.text
    run_id = opened.json()["run_id"]
    approved_run = await client.post(
        f"{DGP}/payment-runs/{run_id}/approve", json={}, headers=command(FINANCE_2)
    )
    assert approved_run.status_code == 201, approved_run.text
    return opened.json(), approved_run.json()


async def events_of(db: asyncpg.Connection, name: str) -> list[dict[str, Any]]:
    import json

    rows = await db.fetch(
        "select envelope from events where event_type like $1 order by position",
        f"lv.asist.payments.{name}.v%",
    )
    return [json.loads(r["envelope"])["data"] for r in rows]
