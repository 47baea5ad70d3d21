"""End to end: every service as its own process, the demo month played over HTTP.

Proves issue 4's "done when": a Daugavpils caseworker takes applications through to
granted and refused decisions, the events are on NATS in the contract's envelope (the
official CloudEvents SDK parses every one), a Ludza caseworker sees none of it, and the
decision document downloads.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from nats.js import JetStreamContext

import shared.contracts  # noqa: F401  (registers every event type)
from deploy import demo
from deploy.services import start_services, stop_services
from deploy.stack import Stack, free_port
from shared.events.registry import registry
from tests.conftest import Servers
from tests.sdk import parse_with_sdk

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean_bus")]

TOKENS = {"daugavpils": "e2e-dgp", "ludza": "e2e-ludza", "ministry": "e2e-ministry"}


@pytest.fixture
def services(
    stack: Servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    monkeypatch.setenv("ASIST_DATABASE_PREFIX", f"e{uuid.uuid4().hex[:10]}")
    monkeypatch.setenv(
        "ASIST_TOKENS",
        "e2e-dgp=caseworker:daugavpils,e2e-ludza=caseworker:ludza,e2e-ministry=ministry:*",
    )
    monkeypatch.setenv("ASIST_LOG_FORMAT", "json")
    # Each service as its own NATS user; the demo reads the streams as the tool user.
    monkeypatch.setenv("ASIST_NATS_USER", stack.nats_user)
    monkeypatch.setenv("ASIST_NATS_PASSWORD", stack.nats_password)
    servers = Stack(
        stack.nats_url,
        stack.database_url,
        started=[],
        data_dir=tmp_path,
        nats_user=stack.nats_user,
        nats_password=stack.nats_password,
        nats_passwords=stack.nats_passwords or None,
        master_key=stack.master_key,
    )
    names = ["intake", "decisions", "timesheets", "payments", "reporting"]
    running = start_services(servers, tmp_path, ports={n: free_port() for n in names})
    try:
        yield {s.name: s.url for s in running}
    finally:
        stop_services(tmp_path)


async def all_messages(js: JetStreamContext, stream: str) -> list[tuple[bytes, str]]:
    info = await js.stream_info(stream)
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(stream, seq)
        out.append((msg.data or b"", (msg.headers or {}).get("Nats-Msg-Id", "")))
    return out


async def test_the_demo_month_runs_through_every_service(
    services: dict[str, str], stack: Servers, js: JetStreamContext
) -> None:
    await asyncio.to_thread(demo.play, services, TOKENS, stack.nats_url)

    outcomes = {c.first_name: c.outcome for c in demo.CLIENTS}
    assert outcomes["Jānis"].startswith("granted 27 h/week")
    assert outcomes["Anna"].startswith("granted 20 h/week"), "vision benefit: 30 − 10"
    assert outcomes["Marta"].startswith("granted 100 h/month")
    assert outcomes["Pēteris"] == "refused: NOT_SEVERE_DISABILITY"
    assert outcomes["Oskars"] == "withdrawn by the applicant"
    assert "DecisionOverdue" in outcomes["Laura"]

    known_types = {spec.type for spec in registry}
    for stream in ("INTAKE", "DECISIONS"):
        messages = await all_messages(js, stream)
        assert messages, f"no events on {stream}"
        for raw, msg_id in messages:
            event = parse_with_sdk(raw)  # the official SDK, strict v1 reader
            assert event.get_id() == msg_id, "Nats-Msg-Id must equal the event id"
            assert event.get_type() in known_types
            assert event.get_extension("municipality") in ("daugavpils", "ludza")

    janis = demo.CLIENTS[0]
    async with httpx.AsyncClient(base_url=services["decisions"]) as http:
        own = {"Authorization": "Bearer e2e-dgp"}
        path = f"/municipalities/daugavpils/cases/{janis.application_id}"
        document = await http.get(f"{path}/decisions/1/document", headers=own)
        assert document.status_code == 200
        assert document.headers["content-type"].startswith("text/html")
        assert "27" in document.text and "Jānis" in document.text
        foreign = await http.get(path, headers={"Authorization": "Bearer e2e-ludza"})
        assert foreign.status_code == 403
        ludza_cases = await http.get(
            "/municipalities/ludza/cases", headers={"Authorization": "Bearer e2e-ludza"}
        )
        assert janis.application_id not in ludza_cases.text
