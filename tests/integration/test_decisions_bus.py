"""The decisions events on NATS as CloudEvents, and read models rebuilt from the event store."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import asyncpg
import httpx
import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.decisions import rebuild
from services.decisions.read_models.queries import snapshot
from shared.contracts.intake import ChangeKind, CircumstancesReported
from shared.settings import Settings
from tests.integration.test_decisions_support import (
    DGP,
    HEARD,
    TODAY,
    envelope_of,
    eventually,
    granted_case,
    headers,
    open_case,
    publish,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


async def bus_messages(js: JetStreamContext, subject: str, expected: int) -> list[Msg]:
    """Messages on ``subject`` in the DECISIONS stream, waiting for the relay to publish."""
    sub = await js.pull_subscribe(
        subject,
        stream="DECISIONS",
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
    )
    seen: list[Msg] = []
    try:
        for _ in range(40):
            if len(seen) >= expected:
                break
            with contextlib.suppress(TimeoutError):
                seen += await sub.fetch(expected - len(seen), timeout=0.25)
        with contextlib.suppress(TimeoutError):  # anything beyond `expected` is a duplicate
            seen += await sub.fetch(10, timeout=0.3)
    finally:
        await sub.unsubscribe()
    return seen


async def test_events_are_published_as_cloudevents_on_decisions_subjects(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> None:
    reply = await granted_case(decisions, js)
    case_id = reply["case_id"]
    messages = await bus_messages(js, "asist.daugavpils.decisions.>", 3)
    assert [m.subject for m in messages] == [
        "asist.daugavpils.decisions.CaseOpened",
        "asist.daugavpils.decisions.AssessmentRecorded",
        "asist.daugavpils.decisions.HoursGranted",
    ]
    events = [JSONFormat().read(CloudEvent, m.data) for m in messages]  # the official SDK
    for sequence, (msg, event) in enumerate(zip(messages, events, strict=True), start=1):
        assert msg.headers is not None and msg.headers["Nats-Msg-Id"] == event.get_id()
        assert event.get_specversion() == "1.0"
        assert event.get_source() == "/asist/daugavpils/decisions"
        assert event.get_subject() == f"case-{case_id}"
        assert event.get_extension("municipality") == "daugavpils"
        assert event.get_extension("aggregateversion") == sequence
    opened, _, granted = events
    assert opened.get_type() == "lv.asist.decisions.CaseOpened.v1"
    assert opened.get_extension("causationid")  # the intake event that opened it
    assert granted.get_type() == "lv.asist.decisions.HoursGranted.v1"
    assert str(granted.get_extension("actor")).startswith("caseworker:daugavpils:")
    data = granted.get_data()
    assert isinstance(data, dict)
    assert (data["hours"], data["unit"], data["case_id"]) == ("160", "month", case_id)
    assert (data["purpose"], data["intensity_level"]) == ("work_study_sport", 2)


async def test_rebuilt_read_models_equal_the_live_ones(
    decisions: httpx.AsyncClient,
    js: JetStreamContext,
    db: asyncpg.Connection,
    settings: Settings,
) -> None:
    first = (await granted_case(decisions, js))["case_id"]
    second = (await granted_case(decisions, js))["case_id"]
    await open_case(decisions, js, received_on=TODAY - timedelta(days=90))
    change = CircumstancesReported(
        application_id=first, report_id="r1", kind=ChangeKind.PRISON, effective_from=TODAY
    )
    await publish(js, envelope_of(change, first, 2))
    await eventually(lambda: db.fetchval("select count(*) from tasks"))
    await decisions.post(
        f"{DGP}/cases/{first}/suspension",
        json={"reason": "prison", "suspended_from": TODAY.isoformat()} | HEARD,
        headers=headers(),
    )
    await decisions.post(
        f"{DGP}/cases/{second}/termination",
        json={"reason": "not_used", "terminated_from": TODAY.isoformat()} | HEARD,
        headers=headers(),
    )
    await decisions.post(f"{DGP}/cases/overdue-check", json={}, headers=headers())
    registered = await decisions.post(
        f"{DGP}/assistants",
        json={
            "personal_code": "32000000000",
            "first_name": "Ilze",
            "last_name": "Kalniņa",
            "iban": "LV80BANK0000435195001",
            "tax_status": "self_employed",
            "experience": "Volunteer at a day centre",
        },
        headers=headers(),
    )
    helper = registered.json()["assistant_id"]
    assigned = await decisions.post(
        f"{DGP}/assistants/{helper}/assignments",
        json={"case_id": first, "assigned_from": TODAY.isoformat(), "weekly_hours": "12.5"},
        headers=headers(),
    )
    await decisions.post(
        f"{DGP}/assistants/{helper}/assignments/{assigned.json()['assignment_id']}/end",
        json={"last_day": TODAY.isoformat()},
        headers=headers(),
    )

    live = await snapshot(db)
    assert [len(live[t]) for t in ("cases", "tasks", "assistants", "assignments")] == [3, 1, 1, 1]
    assert live["assignments"][0]["weekly_hours"] == "12.5"
    replayed = await rebuild.run(settings)  # python -m services.decisions.rebuild
    assert replayed == await db.fetchval("select count(*) from events")
    assert await snapshot(db) == live
