"""Every file in examples/ runs against the real bus, and what it prints is asserted
(issue 18, point 3). Events come from the real decisions service (through its outbox
relay) or are published as intake's relay publishes them; partners connect with their own
NATS users, each in its own account, and read their durables (made as the operator makes
them, deploy/partner_durables.py); operators use the tool user."""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from deploy.nats_accounts import API_PREFIX, PARTNERS, partner_durables
from deploy.partner_durables import ensure_partner_durables
from services.decisions.app import create as create_decisions
from services.intake.app import create as create_intake
from shared.bus.provisioning import ensure_service_stream
from shared.events.asyncapi import DOCS
from tests.conftest import Servers, ServiceFactory
from tests.examples.support import command, example, grant, partner_password, submit
from tests.integration.test_decisions_support import (
    HEARD,
    TODAY,
    adult_facts,
    eventually,
    needs_assessment,
)
from tests.integration.test_intake_api import application

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]

SUBMITTED = "lv.asist.intake.ApplicationSubmitted.v1"
EXAMPLE_FILES = sorted(p.name for p in (DOCS.parent / "examples").glob("[0-9]*.py"))


@pytest.fixture
async def decisions(start_service: ServiceFactory, js: JetStreamContext) -> httpx.AsyncClient:
    await ensure_service_stream(js, "intake")
    return await start_service(create_decisions)


async def stream_messages(js: JetStreamContext, stream: str) -> list[bytes]:
    """Every message of ``stream`` (an ephemeral reader that acks nothing)."""
    info = await js.stream_info(stream)
    if not info.state.messages:
        return []
    sub = await js.pull_subscribe(
        "asist.>",
        stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
    )
    try:
        messages = await sub.fetch(info.state.messages, timeout=5)
        return [m.data for m in messages]
    finally:
        await sub.unsubscribe()


async def count(js: JetStreamContext, stream: str, subject: str) -> int:
    info = await js.stream_info(stream, subjects_filter=subject)
    return sum((info.state.subjects or {}).values())


def test_every_example_is_tested_here() -> None:
    """A new example needs a test in this module."""
    assert EXAMPLE_FILES == [
        "01_subscribe.py",
        "02_replay.py",
        "03_dead_letters.py",
        "04_current_hours.py",
    ]


async def test_a_partner_follows_the_decisions_it_is_entitled_to(
    stack: Servers, js: JetStreamContext, decisions: httpx.AsyncClient
) -> None:
    subscribe = example("01_subscribe.py")
    password = partner_password(stack, subscribe.PARTNER)
    ready = asyncio.Event()
    following = asyncio.create_task(
        subscribe.follow(
            stack.nats_url,
            subscribe.PARTNER,
            password,
            # intake is not in its agreement: the server refuses that subscription.
            subjects=(*subscribe.ENTITLED, "asist.*.intake.>"),
            limit=1,
            max_seconds=30,
            ready=ready,
        )
    )
    await asyncio.wait_for(ready.wait(), 10)
    await submit(js, "daugavpils")  # intake's event: the partner must not see it
    case_id = await grant(decisions, js)
    lines = await asyncio.wait_for(following, 40)
    refused, seen = lines[0], lines[1:]
    assert "refused by the server" in refused and "asist.*.intake.>" in refused
    assert len(seen) == 1
    assert re.fullmatch(
        rf"lv\.asist\.decisions\.HoursGranted\.v1 daugavpils {case_id} 160 month enc:v1:\S+…",
        seen[0],
    ), seen


async def test_replaying_one_municipality_returns_only_its_events_and_ends_at_once(
    stack: Servers, js: JetStreamContext
) -> None:
    await ensure_service_stream(js, "intake")
    ludza = [await submit(js, "ludza") for _ in range(2)]
    await submit(js, "daugavpils")
    await eventually(lambda: count(js, "INTAKE", "asist.>"), 5)
    replay = example("02_replay.py")

    started = time.monotonic()
    lines = await replay.replay(stack.nats_url, stack.nats_user, stack.nats_password, "ludza")
    assert time.monotonic() - started < 5, "the ending hung (drain of a pull subscription)"
    assert [line.split()[1:] for line in lines] == [
        [
            "ludza",
            "lv.asist.intake.ApplicationSubmitted.v1",
            f"application-{a.application_id}",
            "v1",
        ]
        for a in ludza
    ]
    await submit(js, "ludza")  # the durable remembers: a second run gets only the new one
    again = await replay.replay(stack.nats_url, stack.nats_user, stack.nats_password, "ludza")
    assert len(again) == 1 and " ludza " in again[0]
    info = await js.consumer_info("INTAKE", replay.durable_for("ludza", "intake"))
    # No pull request left waiting on the server: one would take the next event and hold
    # it for the ack wait (the cause of this test failing under load before).
    assert info.num_waiting == 0
    assert info.config.filter_subject == "asist.ludza.intake.>"


async def test_a_partner_catches_up_with_its_own_durable_from_the_first_event(
    stack: Servers, js: JetStreamContext, decisions: httpx.AsyncClient
) -> None:
    replay = example("02_replay.py")
    partner = "partner-daugavpils-erp"
    password = partner_password(stack, partner)
    durable = f"{partner}-decisions"
    await ensure_partner_durables(js)
    first = await grant(decisions, js)  # before the partner ever connected
    await grant(decisions, js, "ludza", "ludza-caseworker")  # not in its agreement
    await eventually(lambda: count(js, "DECISIONS", "asist.ludza.decisions.HoursGranted"), 10)

    def catch_up() -> Any:
        return replay.catch_up(stack.nats_url, partner, password, durable, "DECISIONS")

    lines = await catch_up()
    # The case's history from its first event: opened, assessed, granted (v1, v2, v3).
    assert [line.split()[1:] for line in lines] == [
        ["daugavpils", f"lv.asist.decisions.{name}.v1", f"case-{first}", f"v{version}"]
        for version, name in enumerate(("CaseOpened", "AssessmentRecorded", "HoursGranted"), 1)
    ], lines
    assert await catch_up() == []  # all acked: nothing again
    second = await grant(decisions, js)  # published while it was away
    await eventually(lambda: count(js, "DECISIONS", "asist.daugavpils.decisions.HoursGranted"), 10)
    await asyncio.sleep(0.5)
    again = await catch_up()
    assert [line.split()[3] for line in again] == [f"case-{second}"] * 3, again


async def test_dead_letters_are_listed_with_their_error(
    stack: Servers, js: JetStreamContext, decisions: httpx.AsyncClient
) -> None:
    dead = example("03_dead_letters.py")
    url, user, password = stack.nats_url, stack.nats_user, stack.nats_password
    assert await dead.dead_letters(url, user, password, idle_seconds=0.3) == ["no dead letters"]
    # Not a CloudEvent: decisions' consumer gives up on it at once.
    await js.publish("asist.daugavpils.intake.ApplicationSubmitted", b'{"type": "garbage"}')
    await eventually(lambda: count(js, "DEADLETTER", "asistdlq.>"), 15)
    started = time.monotonic()
    lines = await dead.dead_letters(url, user, password, idle_seconds=0.3)
    assert time.monotonic() - started < 5
    assert len(lines) == 1
    assert lines[0].startswith(
        "asistdlq.decisions.INTAKE asist.daugavpils.intake.ApplicationSubmitted attempts=1 "
        'PoisonMessage("not a valid CloudEvents envelope'
    ), lines


async def test_the_current_hours_recipe_follows_grant_amendment_suspension_and_end(
    stack: Servers, js: JetStreamContext, decisions: httpx.AsyncClient
) -> None:
    recipe = example("04_current_hours.py")
    password = partner_password(stack, recipe.PARTNER)
    await ensure_partner_durables(js)
    # Another municipality's case: not in this partner's agreement.
    await grant(decisions, js, "ludza", "ludza-caseworker")
    case_id = await grant(decisions, js)
    url = f"/municipalities/daugavpils/cases/{case_id}"

    def day(offset: int) -> str:
        return (TODAY + timedelta(days=offset)).isoformat()

    # Re-assessed at intensity level 1: 80 h/month (rules.md §4.2a).
    less = adult_facts(needs_assessment=needs_assessment("intensity_level_1"))
    changes: list[tuple[str, dict[str, Any]]] = [
        # APL 62 (issue #17): a reduction, an interruption, an end: the person heard first.
        (
            "amendments",
            {"effective_from": day(30), "reason": "Part-time", "assessment": less} | HEARD,
        ),
        ("suspension", {"reason": "inpatient", "suspended_from": day(40)} | HEARD),
        ("resumption", {"resumed_on": day(50)}),
        ("termination", {"reason": "moved", "terminated_from": day(60)} | HEARD),
    ]
    for path, body in changes:
        response = await decisions.post(
            f"{url}/{path}", json=body, headers=command("dgp-caseworker")
        )
        assert response.status_code == 201, response.text
    terminated = "asist.daugavpils.decisions.ServiceTerminated"
    await eventually(lambda: count(js, "DECISIONS", terminated), 10)

    # Everything happened before the recipe first ran: it catches up from the first event.
    lines = await recipe.current_hours(stack.nats_url, recipe.PARTNER, password, idle_seconds=1)

    assert all("ludza" not in line for line in lines)
    assert lines.count(f"# {case_id} changed") == 5  # HoursGranted + the four changes
    final = lines[lines.index(f"# {case_id} changed", len(lines) - 4) + 1 :]
    assert final == [
        f"{case_id} {day(0)}..{day(29)} 160 h/month",
        f"{case_id} {day(30)}..{day(39)} 80 h/month",
        f"{case_id} {day(50)}..{day(59)} 80 h/month",
    ]
    # Acked as folded: a second run has nothing left.
    assert (
        await recipe.current_hours(stack.nats_url, recipe.PARTNER, password, idle_seconds=0.5) == []
    )

    # The same recipe over the stream's history (read by the operator), each event twice:
    # de-duplicated by id, the same timeline.
    history = await stream_messages(js, "DECISIONS")
    ledger = recipe.fold([*history, *reversed(history)])
    assert recipe.describe(ledger.cases[case_id]) == final


def test_the_examples_name_the_durables_the_operator_makes() -> None:
    """A partner's copy of the examples has no deploy/: their constants are checked here."""
    durables = {d.name: d for p in PARTNERS for d in partner_durables(p)}
    recipe = example("04_current_hours.py")
    assert durables[recipe.DURABLE].stream == recipe.STREAM
    assert durables[recipe.DURABLE].filters == ("asist.daugavpils.decisions.>",)
    assert recipe.API_PREFIX == example("02_replay.py").API_PREFIX == API_PREFIX


async def test_every_message_the_services_published_is_valid_against_its_schema(
    start_service: ServiceFactory, js: JetStreamContext, decisions: httpx.AsyncClient
) -> None:
    """What partners validate against: the committed schemas, checked on the real output
    of intake (an application submitted over HTTP) and decisions (its case granted)."""
    intake = await start_service(create_intake)
    submitted = await intake.post(
        "/municipalities/daugavpils/applications",
        json=application(received_on=TODAY.isoformat()),
        headers=command("dgp-caseworker"),
    )
    assert submitted.status_code == 201, submitted.text
    case = f"/municipalities/daugavpils/cases/{submitted.json()['application_id']}"

    async def opened() -> bool:
        return (await decisions.get(case, headers=command("dgp-caseworker"))).status_code == 200

    await eventually(opened)
    for path, body in (("assessment", adult_facts()), ("decision", {"period_start": str(TODAY)})):
        response = await decisions.post(
            f"{case}/{path}", json=body, headers=command("dgp-caseworker")
        )
        assert response.status_code == 201, response.text
    await eventually(lambda: count(js, "DECISIONS", "asist.*.decisions.HoursGranted"), 10)
    messages = [*await stream_messages(js, "INTAKE"), *await stream_messages(js, "DECISIONS")]
    types = {json.loads(raw)["type"].split(".")[3] for raw in messages}
    assert {"ApplicationSubmitted", "CaseOpened", "AssessmentRecorded", "HoursGranted"} <= types
    for raw in messages:
        body = json.loads(raw)
        schema = json.loads((DOCS / "schemas" / f"{body['type']}.json").read_text())
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        assert [e.message for e in validator.iter_errors(body)] == [], body["type"]
