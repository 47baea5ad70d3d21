"""End to end: the payments stage of the demo against decisions and payments as processes.

The timesheets stage is played here by publishing ``TimesheetApproved`` on the TIMESHEETS
stream (as that service's relay would) for assistants registered over decisions' API;
then ``deploy.demo_payments.play_payments`` runs exactly as ``./asist up`` runs it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from nats.js import JetStreamContext

from deploy import demo_payments
from deploy.demo import personal_code
from deploy.services import start_services, stop_services
from deploy.stack import free_port
from services.payments.bank_file import validate
from shared.bus.provisioning import ensure_service_stream
from tests.conftest import Servers
from tests.integration.payments_support import TIMESHEETS, Assistant, approved, envelope_of
from tests.integration.test_decisions_support import publish

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean_bus")]

TOKENS = {
    "daugavpils": "s-dgp",
    "ludza": "s-ludza",
    "daugavpils-finance": "s-dgp-fin",
    "daugavpils-finance-2": "s-dgp-fin2",
    "ludza-finance": "s-ludza-fin",
    "ludza-finance-2": "s-ludza-fin2",
}
GRANTS = {
    "s-dgp": "caseworker:daugavpils",
    "s-ludza": "caseworker:ludza",
    "s-dgp-fin": "finance:daugavpils",
    "s-dgp-fin2": "finance:daugavpils",
    "s-ludza-fin": "finance:ludza",
    "s-ludza-fin2": "finance:ludza",
}


@pytest.fixture
def services(
    stack: Servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    monkeypatch.setenv("ASIST_DATABASE_PREFIX", f"s{uuid.uuid4().hex[:10]}")
    monkeypatch.setenv("ASIST_TOKENS", ",".join(f"{k}={v}" for k, v in GRANTS.items()))
    monkeypatch.setenv("ASIST_LOG_FORMAT", "json")
    stack.export_tool_user(monkeypatch)
    monkeypatch.setenv("ASIST_CONSUMER_BATCH_TIMEOUT_SECONDS", "0.2")
    monkeypatch.setenv("ASIST_RELAY_POLL_SECONDS", "0.1")
    servers = stack.as_stack(tmp_path)
    names = ["decisions", "payments"]
    running = start_services(servers, tmp_path, ports={n: free_port() for n in names}, names=names)
    try:
        yield {s.name: s.url for s in running}
    finally:
        stop_services(tmp_path)


def register(url: str, municipality: str, serial: int, iban: str) -> str:
    body = {
        "personal_code": personal_code(date(1980, 6, 6), serial),
        "first_name": "Pēteris",
        "last_name": "Ozols",
        "iban": iban,
        "tax_status": "employee",
        "experience": "years as a carer",
        "tax_book_held": True,
    }
    response = httpx.post(
        f"{url}/municipalities/{municipality}/assistants",
        json=body,
        headers={
            "Authorization": f"Bearer {TOKENS[municipality]}",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["assistant_id"])


async def test_the_payments_stage_pays_returns_reissues_and_reports(
    services: dict[str, str], js: JetStreamContext
) -> None:
    await ensure_service_stream(js, "timesheets")
    people = [
        ("daugavpils", 401, "LV80BANK0000435195001", ["8", "8", "6"]),
        ("daugavpils", 402, "LV97HABA0012345678910", ["4", "4"]),
        ("ludza", 403, "LV18RIKO0000083350911", ["5"]),
    ]
    for municipality, serial, iban, hours in people:
        assistant_id = await asyncio.to_thread(
            register, services["decisions"], municipality, serial, iban
        )
        data = approved(Assistant(assistant_id, iban, municipality=municipality), "2026-11", hours)
        stream = f"timesheet-{data.timesheet_id}"
        await publish(js, envelope_of(TIMESHEETS, stream, data, municipality))

    await asyncio.to_thread(demo_payments.play_payments, services, TOKENS)

    files = sorted(demo_payments.BANK_FILES.glob("pain001-*-2026-11-*.xml"))
    assert files, "no bank file written"
    for path in files:
        validate(path.read_bytes())
    names = []
    info = await js.stream_info("PAYMENTS")
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg("PAYMENTS", seq)
        names.append((msg.subject or "").rsplit(".", 1)[-1])
    assert names.count("PaymentIssued") == 3
    assert names.count("PaymentReturned") == names.count("PaymentReissued") == 1
    assert names.count("MonthlyReportSubmitted") == 2
