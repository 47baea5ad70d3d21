"""Bad input and commands that do not fit: problem documents naming the field, nothing
written (architecture.md §5)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from shared.settings import Settings
from tests.conftest import ServiceFactory
from tests.integration.payments_support import (
    DGP,
    FINANCE,
    FINANCE_2,
    IBANS,
    Assistant,
    approved,
    command,
    events_of,
    payments_db,
    register,
    send_timesheet,
    start_payments,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


@pytest.fixture
async def payments(start_service: ServiceFactory, js: JetStreamContext) -> httpx.AsyncClient:
    return await start_payments(start_service, js)


@pytest.fixture
async def db(settings: Settings, payments: httpx.AsyncClient) -> AsyncIterator[asyncpg.Connection]:
    async with payments_db(settings) as conn:
        yield conn


async def test_bad_input_is_refused_naming_each_field_and_writes_nothing(
    payments: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    runs = f"{DGP}/payment-runs"
    no_key = await payments.post(runs, json={"month": "2026-11"}, headers=FINANCE)
    assert no_key.status_code == 400
    bad = await payments.post(runs, json={"month": "2026-13", "x": 1}, headers=command(FINANCE))
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"month", "x"}
    unfinished = await payments.post(runs, json={"month": "2099-01"}, headers=command(FINANCE))
    assert unfinished.status_code == 422
    assert unfinished.json()["errors"][0]["field"] == "month"
    bad_month = await payments.get(f"{DGP}/reports/2026-1", headers=FINANCE)
    assert bad_month.status_code == 422
    assert await db.fetchval("select count(*) from events") == 0


async def test_a_draft_blocks_another_run_and_a_changed_total_blocks_approval(
    payments: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext
) -> None:
    assistant = Assistant("a-draft", IBANS[0])
    await register(js, db, assistant)
    report = approved(assistant, "2026-11", ["6"])
    await send_timesheet(js, db, report)
    runs = f"{DGP}/payment-runs"
    opened = await payments.post(runs, json={"month": "2026-11"}, headers=command(FINANCE))
    assert opened.status_code == 201
    draft = opened.json()
    second = await payments.post(runs, json={"month": "2026-11"}, headers=command(FINANCE))
    assert second.status_code == 409
    assert "still a draft" in second.json()["detail"]

    await send_timesheet(js, db, approved(assistant, "2026-11", ["2"], case_id="case-9"))
    approve = f"{runs}/{draft['run_id']}/approve"
    seen = {"expected_total_cost": draft["totals"]["money"]["total_cost"]}
    changed = await payments.post(approve, json=seen, headers=command(FINANCE_2))
    assert changed.status_code == 409
    assert "changed since the preview" in changed.json()["detail"]
    assert await events_of(db, "PaymentIssued") == []

    shown = (await payments.get(f"{runs}/{draft['run_id']}", headers=FINANCE)).json()
    fresh = {"expected_total_cost": shown["preview"]["totals"]["money"]["total_cost"]}
    assert (await payments.post(approve, json=fresh, headers=command(FINANCE_2))).status_code == 201
    assert len(await events_of(db, "PaymentIssued")) == 1


async def test_a_pain_002_rejection_is_a_return_too(
    payments: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext
) -> None:
    assistant = Assistant("a-rejected", IBANS[1])
    await register(js, db, assistant)
    await send_timesheet(js, db, approved(assistant, "2026-11", ["3"]))
    runs = f"{DGP}/payment-runs"
    opened = (await payments.post(runs, json={"month": "2026-11"}, headers=command(FINANCE))).json()
    await payments.post(f"{runs}/{opened['run_id']}/approve", json={}, headers=command(FINANCE_2))
    [payment] = await events_of(db, "PaymentIssued")
    status_report = f"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>S1</MsgId><CreDtTm>2026-12-03T09:00:00</CreDtTm></GrpHdr>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>P1</OrgnlPmtInfId><TxInfAndSts>
<OrgnlEndToEndId>{payment["payment_id"]}</OrgnlEndToEndId><TxSts>RJCT</TxSts>
<StsRsnInf><Rsn><Cd>AC01</Cd></Rsn></StsRsnInf></TxInfAndSts></OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>""".encode()
    response = await payments.post(
        f"{DGP}/bank-returns",
        content=status_report,
        headers={**command(FINANCE), "Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.text
    [returned] = await events_of(db, "PaymentReturned")
    assert (returned["payment_id"], returned["reason_code"]) == (payment["payment_id"], "AC01")
    detail = (await payments.get(f"{runs}/{opened['run_id']}", headers=FINANCE)).json()
    assert detail["payments"][0]["status"] == "returned"
