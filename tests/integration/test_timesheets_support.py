"""Harness of the timesheets integration tests (no tests here).

Decisions' events are real CloudEvents envelopes published to the DECISIONS stream exactly
as decisions' relay does (``Nats-Msg-Id`` = event id); the service consumes them through
its durable consumer over a real NATS server and writes to a real PostgreSQL database.
Tokens: caseworkers of Daugavpils and Ludza, assistants bound to ids or to a person, and
clients bound to a case.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from nats.js import JetStreamContext
from pydantic import BaseModel

from services.timesheets.app import create
from shared.bus.provisioning import ensure_service_stream
from shared.contracts.decisions import (
    ActivityBreakdown,
    AssistantAssigned,
    AssistantRegistered,
    HoursGranted,
)
from shared.events.envelope import Envelope, new_event_id
from shared.rules import ActivityKind, AgeGroup, RuleSetId, TaxStatus, Unit
from shared.settings import Settings
from shared.store.db import database_dsn
from shared.store.eventstore import EventContext, EventStore
from tests.conftest import Servers, ServiceFactory, auth, harness_settings
from tests.integration.test_decisions_support import eventually

DECISIONS = EventStore("decisions")
NOVEMBER = "2026-11"
PERSON = "32345678901"  # an assistant registered in Daugavpils and in Ludza
TOKENS = {
    "dgp-caseworker": "caseworker:daugavpils",
    "ludza-caseworker": "caseworker:ludza",
    "ministry": "ministry:*",
    "asst-a": "assistant:daugavpils:A",
    "asst-b": "assistant:daugavpils:B",
    "asst-person": f"assistant:*:person={PERSON}",
    "client-k": "client:daugavpils:case-K",
    "client-x": "client:daugavpils:case-X",
}


def settings_for(stack: Servers) -> Settings:
    return harness_settings(stack).model_copy(
        update={
            "tokens": ",".join(f"{token}={grant}" for token, grant in TOKENS.items()),
            "consumer_batch_timeout_seconds": 0.1,
        }
    )


def headers(token: str, key: str | None = None) -> dict[str, str]:
    return {**auth(token), "Idempotency-Key": key or str(uuid.uuid4())}


def report_url(municipality: str, assignment_id: str, month: str = NOVEMBER) -> str:
    return f"/municipalities/{municipality}/assignments/{assignment_id}/timesheets/{month}"


def envelope_of(
    data: BaseModel, stream_id: str, municipality: str = "daugavpils", version: int = 1
) -> Envelope:
    context = EventContext(municipality=municipality, correlation_id=new_event_id())
    return DECISIONS.envelope(stream_id, version, data, context)


async def publish(js: JetStreamContext, envelope: Envelope, msg_id: str | None = None) -> None:
    await js.publish(
        envelope.nats_subject, envelope.to_json(), headers={"Nats-Msg-Id": msg_id or envelope.id}
    )


def granted(
    case_id: str,
    *,
    hours: int = 20,
    unit: Unit = Unit.WEEK,
    kinds: tuple[str, ...] = ("work", "institutions"),
    start: date = date(2026, 11, 1),
    end: date = date(2027, 10, 31),
    code: str = "12038512342",
    age_group: AgeGroup = AgeGroup.ADULT,
) -> HoursGranted:
    return HoursGranted(
        case_id=case_id,
        application_id=case_id,
        decision_number=1,
        decided_on=date(2026, 10, 30),
        decided_late=False,
        personal_code=code,
        age_group=age_group,
        vision_group=False,
        rule_set=RuleSetId.LV_2013,
        legal_basis="test",
        unit=unit,
        hours=Decimal(hours),
        rules_hours=Decimal(hours),
        need_hours=Decimal(hours),
        breakdown=[
            ActivityBreakdown(kind=ActivityKind(k), claimed=Decimal(10), granted=Decimal(10))
            for k in kinds
        ],
        period_start=start,
        period_end=end,
        trace=[],
    )


def registered(assistant_id: str, municipality: str, code: str) -> AssistantRegistered:
    return AssistantRegistered(
        assistant_id=assistant_id,
        municipality=municipality,
        personal_code=code,
        first_name="Dace",
        last_name="Egle",
        iban="LV80BANK0000435195001",
        tax_status=TaxStatus.EMPLOYEE_LIKE,
        experience="years",
        registered_on=date(2026, 10, 1),
    )


def assigned(
    assistant_id: str, assignment_id: str, case_id: str, start: date = date(2026, 11, 1)
) -> AssistantAssigned:
    return AssistantAssigned(
        assistant_id=assistant_id,
        assignment_id=assignment_id,
        case_id=case_id,
        assigned_from=start,
        weekly_hours=Decimal(20),
    )


async def setup_assignment(
    js: JetStreamContext,
    db: asyncpg.Connection,
    *,
    assistant_id: str,
    assignment_id: str,
    case_id: str,
    municipality: str = "daugavpils",
    assistant_code: str = "01018012340",
    grant: HoursGranted | None = None,
    assigned_from: date = date(2026, 11, 1),
) -> None:
    """Publish the grant (if given), the assistant and the assignment; wait until known."""
    events: list[tuple[BaseModel, str]] = []
    if grant is not None:
        events.append((grant, f"case-{case_id}"))
    events.append((registered(assistant_id, municipality, assistant_code), f"a-{assistant_id}"))
    assignment = assigned(assistant_id, assignment_id, case_id, assigned_from)
    events.append((assignment, f"a-{assistant_id}"))
    for version, (event, stream) in enumerate(events, start=1):
        await publish(js, envelope_of(event, stream, municipality, version))

    async def known() -> bool:
        found = await db.fetchval(
            "select true from known_assignments where assignment_id = $1", assignment_id
        )
        return bool(found)

    await eventually(known)


async def start_timesheets(
    start_service: ServiceFactory, js: JetStreamContext
) -> httpx.AsyncClient:
    await ensure_service_stream(js, "decisions")
    return await start_service(create)


@contextlib.asynccontextmanager
async def timesheets_db(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(
        database_dsn(settings.database_url, settings.database_name("timesheets"))
    )
    try:
        yield conn
    finally:
        await conn.close()


def entry(day: int, start: str, end: str, activity: str = "work", **extra: Any) -> dict[str, Any]:
    return {"day": f"2026-11-{day:02d}", "start": start, "end": end, "activity": activity} | extra
