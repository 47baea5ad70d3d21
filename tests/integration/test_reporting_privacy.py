"""No personal data by construction (issue 12): the demo month, then a month of time reports
and payments, and not one personal code, name, address, phone, IBAN, free text or id of a
case, application or assistant in any table or in the log of the reporting service.

Every service runs as its own process (as ``./asist up`` runs them), the demo plays over
HTTP, and its last stage prints the national view and saves the workbook.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from openpyxl import load_workbook

from deploy import demo
from deploy.main import demo_grants, tokens_setting
from deploy.services import start_services, stop_services
from deploy.stack import free_port
from shared.settings import Settings
from tests.conftest import Servers
from tests.integration.test_reporting_support import (
    dump_tables,
    envelope,
    publish_all,
    reporting_db,
)
from tests.unit.reporting import builders as b

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean_bus")]

TOKENS = {name: f"p-{name}" for name in demo_grants()}
PERSONAL_KEYS = {
    "personal_code", "first_name", "last_name", "declared_address", "phone", "iban",
    "case_id", "application_id", "assistant_id", "assignment_id", "note", "description",
}  # fmt: skip


@pytest.fixture
def prefix(monkeypatch: pytest.MonkeyPatch) -> str:
    value = f"p{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("ASIST_DATABASE_PREFIX", value)
    monkeypatch.setenv("ASIST_TOKENS", tokens_setting(TOKENS))
    monkeypatch.setenv("ASIST_LOG_FORMAT", "json")
    return value


@pytest.fixture
def services(
    stack: Servers, tmp_path: Path, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    stack.export_tool_user(monkeypatch)
    servers = stack.as_stack(tmp_path)
    names = ["intake", "decisions", "timesheets", "payments", "reporting"]
    running = start_services(servers, tmp_path, ports={n: free_port() for n in names})
    try:
        yield {s.name: s.url for s in running}
    finally:
        stop_services(tmp_path)


async def bus_data(js: JetStreamContext, stream: str) -> list[dict[str, Any]]:
    info = await js.stream_info(stream)
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(stream, seq)
        out.append(json.loads(msg.data or b"{}")["data"])
    return out


def personal_values(data: Any) -> set[str]:
    """Every value under a personal key, at any depth of an event's data."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key in PERSONAL_KEYS and isinstance(value, str) and len(value) >= 4:
                found.add(value)
                if key == "declared_address":
                    found.add(value.split(",")[0])  # the street alone
            found |= personal_values(value)
    elif isinstance(data, list):
        for item in data:
            found |= personal_values(item)
    return found


def demo_people() -> set[str]:
    """The demo's people as the demo module makes them (whatever the bus carries: personal
    fields may travel encrypted): codes, names, addresses, phones and IBANs."""
    people: set[str] = set()
    for serial, client in enumerate(demo.CLIENTS, start=101):
        body = demo.application_body(client, serial)
        people |= personal_values(body["applicant"])
        people |= personal_values(body.get("representative") or {})
    source = Path(demo.__file__).read_text()
    people |= set(re.findall(r"LV\d{2}[A-Z]{4}\d{13}", source))  # the assistants' IBANs
    for first, last in re.findall(r'register_assistant\(dgp, "([^"]+)", "([^"]+)"', source):
        people |= {first, last}
    for serial in (301, 302):  # the assistants' personal codes
        people.add(demo.personal_code(date(1980, 6, 6), serial))
    return people


def work_and_pay(decisions: list[dict[str, Any]]) -> list[Any]:
    """A December of time reports and its payments for every assignment of the demo."""
    events = []
    for data in decisions:
        if "assignment_id" not in data or "assigned_from" not in data:
            continue
        sheet, assistant, case = b.new_id(), data["assistant_id"], data["case_id"]
        days = b.approved_days("2026-12", ["6", "6", "5"])
        events += [
            envelope(b.timesheet_submitted(sheet, assistant, case, "2026-12", "17")),
            envelope(b.timesheet_approved(sheet, assistant, case, "2026-12", days)),
            envelope(b.payment_issued(assistant, "2026-12", "17", "86.87", case_id=case)),
        ]
    return events


async def test_the_demo_month_leaves_no_personal_data_in_reporting(
    services: dict[str, str],
    stack: Servers,
    js: JetStreamContext,
    tmp_path: Path,
    prefix: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await asyncio.to_thread(demo.play, services, TOKENS, stack.nats_url)
    shown = capsys.readouterr().out
    assert f"national view of {demo.PERIOD_START:%Y-%m}" in shown
    workbook = Path(shown.split("shown as <5): ")[1].splitlines()[0])
    book = await asyncio.to_thread(load_workbook, workbook)
    assert book.sheetnames == ["Valsts", "Pašvaldības", "Salīdzināšana"]

    intake, decisions = await bus_data(js, "INTAKE"), await bus_data(js, "DECISIONS")
    extra = work_and_pay(decisions)
    assert extra, "the demo assigns assistants"
    await publish_all(js, extra)

    ministry = {"Authorization": f"Bearer {TOKENS['ministry']}"}
    async with httpx.AsyncClient(base_url=services["reporting"], headers=ministry) as http:
        for _ in range(200):
            status = (await http.get("/national/status")).json()
            december = (await http.get("/national/months/2026-12")).json()
            if status["caught_up"] and december["national"]["assistants_paid"] == len(extra) // 3:
                break
            await asyncio.sleep(0.1)
        assert december["national"]["clients_active"] >= 3
        assert december["national"]["hours_approved"] == f"{17 * len(extra) // 3}.00"
        downloads = [
            (await http.get(path)).text
            for path in (
                "/national/months/2026-11/figures.csv",
                "/national/months/2026-12/figures.csv",
                "/national/months/2026-12/open-data/data.csv",
                "/national/reconciliation?only_differences=false",
            )
        ]

    needles = demo_people() | set().union(*(personal_values(d) for d in intake + decisions))
    assert any(len(n) == 11 and n.isdigit() for n in needles), "personal codes collected"
    assert any(n.startswith("LV") for n in needles), "IBANs collected"
    assert "Bērziņš" in needles
    settings = Settings(database_url=stack.database_url, database_prefix=prefix)
    async with reporting_db(settings) as conn:
        tables = await dump_tables(conn)
    log = (tmp_path / "logs" / "reporting.log").read_text()
    assert "figure_rows" in tables and "service.ready" in log
    # Also as JSON writes them (a JSON log escapes "ņ" as "\\u0146").
    variants = {n: {n, json.dumps(n)[1:-1]} for n in needles}
    for where, text in (("tables", tables), ("log", log), ("downloads", "\n".join(downloads))):
        hits = sorted(n for n, forms in variants.items() if any(f in text for f in forms))
        assert hits == [], f"personal data in the reporting {where}: {hits}"
