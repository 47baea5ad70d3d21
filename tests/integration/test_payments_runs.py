"""Payment runs end to end in one process: real NATS, real PostgreSQL (rules.md §8).

Upstream events are published on the DECISIONS and TIMESHEETS streams as their relays do;
the finance users work through the HTTP API. Every bank file any test writes is
validated against the ISO 20022 XSD on download.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import httpx
import pytest
from lxml import etree
from nats.js import JetStreamContext

from services.payments.bank_file import validate
from services.payments.projections import TABLES, rebuild
from shared.settings import Settings
from shared.store.eventstore import EventStore
from tests.conftest import ServiceFactory
from tests.integration.payments_support import (
    DGP,
    FINANCE,
    FINANCE_2,
    IBANS,
    LUDZA_FINANCE,
    LUDZA_FINANCE_2,
    Assistant,
    approved,
    command,
    events_of,
    open_and_approve,
    payments_db,
    register,
    send_timesheet,
    start_payments,
)
from tests.integration.test_decisions_support import publish

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


@pytest.fixture
async def payments(start_service: ServiceFactory, js: JetStreamContext) -> httpx.AsyncClient:
    return await start_payments(start_service, js)


@pytest.fixture
async def db(settings: Settings, payments: httpx.AsyncClient) -> AsyncIterator[asyncpg.Connection]:
    async with payments_db(settings) as conn:
        yield conn


async def bank_file(client: httpx.AsyncClient, run_id: str) -> bytes:
    response = await client.get(f"{DGP}/payment-runs/{run_id}/bank-file", headers=FINANCE)
    assert response.status_code == 200, response.text
    validate(response.content)  # the official pain.001.001.09 XSD
    return response.content


async def test_a_month_is_paid_once_after_a_second_finance_user_approves(
    payments: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext
) -> None:
    employee = Assistant("a-employee", IBANS[0])
    self_employed = Assistant("a-self", IBANS[1], tax_status="self_employed")  # type: ignore[arg-type]
    for assistant in (employee, self_employed):
        await register(js, db, assistant)
    await send_timesheet(js, db, approved(employee, "2026-11", ["8", "8", "6.5"]))
    await send_timesheet(js, db, approved(self_employed, "2026-11", ["4"], case_id="case-2"))

    opened = await payments.post(
        f"{DGP}/payment-runs", json={"month": "2026-11"}, headers=command(FINANCE)
    )
    assert opened.status_code == 201, opened.text
    draft = opened.json()
    assert (draft["kind"], draft["status"]) == ("regular", "draft")
    assert draft["totals"]["assistants"] == 2
    assert {p["name"] for p in draft["payments"]} == {"Jānis Bērziņš"}  # finance reviews names
    assert draft["totals"]["hours"] == "26.50"
    # Half-up per line: 22.5 h × 5.11 = 114.975 -> 114.98, plus 4 h × 5.11 = 20.44.
    assert draft["totals"]["money"]["total_cost"] == "135.42"
    run_id = draft["run_id"]

    same_user = await payments.post(
        f"{DGP}/payment-runs/{run_id}/approve", json={}, headers=command(FINANCE)
    )
    assert same_user.status_code == 403
    assert "another finance user" in same_user.json()["detail"]

    key = "approve-once"
    approval = await payments.post(
        f"{DGP}/payment-runs/{run_id}/approve", json={}, headers=command(FINANCE_2, key)
    )
    assert approval.status_code == 201, approval.text
    again = await payments.post(
        f"{DGP}/payment-runs/{run_id}/approve", json={}, headers=command(FINANCE_2, key)
    )
    assert again.json() == approval.json()
    other_key = await payments.post(
        f"{DGP}/payment-runs/{run_id}/approve", json={}, headers=command(FINANCE_2)
    )
    assert other_key.status_code == 409

    issued = await events_of(db, "PaymentIssued")
    assert sorted(p["assistant_id"] for p in issued) == ["a-employee", "a-self"]
    [exported] = await events_of(db, "PaymentBatchExported")
    content = await bank_file(payments, run_id)
    assert hashlib.sha256(content).hexdigest() == exported["file_sha256"]
    document = etree.fromstring(content)
    end_to_end = {e.text for e in document.iterfind(".//p:EndToEndId", NS)}
    assert end_to_end == {p["payment_id"] for p in issued}
    assert document.findtext(".//p:Ustrd", namespaces=NS) == "Asistenta pakalpojums 2026-11"
    for payment in issued:  # no IBAN or name in any event (legal.md §8)
        assert "iban" not in str(payment).lower() and "Jānis" not in str(payment)

    nothing_new = await payments.post(
        f"{DGP}/payment-runs", json={"month": "2026-11"}, headers=command(FINANCE)
    )
    assert nothing_new.status_code == 409
    assert "nothing unpaid" in nothing_new.json()["detail"]


async def test_the_same_timesheet_approved_delivered_three_times_pays_once(
    payments: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext
) -> None:
    assistant = Assistant("a-three", IBANS[0])
    await register(js, db, assistant)
    envelope = await send_timesheet(js, db, approved(assistant, "2026-11", ["5"]))
    for attempt in range(2):  # redelivered under other message ids: JetStream keeps them
        await publish(js, envelope, msg_id=f"{envelope.id}-again-{attempt}")
    await open_and_approve(payments, "2026-11")
    [payment] = await events_of(db, "PaymentIssued")
    assert Decimal(payment["hours"]) == 5
    assert await db.fetchval("select sum(hours) from approved_days") == 5


async def test_ludza_finance_cannot_open_see_or_download_daugavpils_runs(
    payments: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext
) -> None:
    assistant = Assistant("a-dgp", IBANS[0])
    await register(js, db, assistant)
    await send_timesheet(js, db, approved(assistant, "2026-11", ["3"]))
    opened, _ = await open_and_approve(payments, "2026-11")
    run = f"{DGP}/payment-runs/{opened['run_id']}"
    attempts = [
        payments.post(
            f"{DGP}/payment-runs", json={"month": "2026-11"}, headers=command(LUDZA_FINANCE)
        ),
        payments.get(f"{DGP}/payment-runs", headers=LUDZA_FINANCE),
        payments.get(run, headers=LUDZA_FINANCE),
        payments.get(f"{run}/bank-file", headers=LUDZA_FINANCE),
        payments.get(f"{DGP}/reports/2026-11", headers=LUDZA_FINANCE),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 403, response.text
    own_path = await payments.get(
        f"/municipalities/ludza/payment-runs/{opened['run_id']}", headers=LUDZA_FINANCE
    )
    assert own_path.status_code == 404
    caseworker = await payments.get(
        f"{DGP}/payment-runs", headers={"Authorization": "Bearer dgp-caseworker"}
    )
    assert caseworker.status_code == 403


async def test_a_rebuild_gives_the_same_read_models(
    payments: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext
) -> None:
    assistant = Assistant("a-rebuild", IBANS[2])
    await register(js, db, assistant)
    await send_timesheet(js, db, approved(assistant, "2026-10", ["7"]))
    await open_and_approve(payments, "2026-10")
    before = {t: sorted(map(tuple, await db.fetch(f"select * from {t}"))) for t in TABLES}
    assert await rebuild(db, EventStore("payments")) > 0
    after = {t: sorted(map(tuple, await db.fetch(f"select * from {t}"))) for t in TABLES}
    assert after == before


async def test_only_the_municipality_holding_the_tax_book_applies_the_minimum(
    payments: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext
) -> None:
    """One person assisting in two municipalities: two registrations, one tax book."""
    in_daugavpils = Assistant("a-dgp-book", IBANS[0], tax_book_held=True)
    in_ludza = Assistant("a-ludza", IBANS[0], municipality="ludza", tax_book_held=False)
    for assistant in (in_daugavpils, in_ludza):
        await register(js, db, assistant)
        data = approved(assistant, "2026-11", ["8", "8", "8", "8", "8"])
        await send_timesheet(js, db, data, municipality=assistant.municipality)
    await open_and_approve(payments, "2026-11")
    ludza = "/municipalities/ludza/payment-runs"
    opened = await payments.post(ludza, json={"month": "2026-11"}, headers=command(LUDZA_FINANCE))
    assert opened.status_code == 201, opened.text
    approved_run = await payments.post(
        f"{ludza}/{opened.json()['run_id']}/approve", json={}, headers=command(LUDZA_FINANCE_2)
    )
    assert approved_run.status_code == 201, approved_run.text
    taxes = {p["assistant_id"]: p["money"] for p in await events_of(db, "PaymentIssued")}
    assert taxes["a-dgp-book"]["gross"] == taxes["a-ludza"]["gross"]
    assert Decimal(taxes["a-dgp-book"]["income_tax"]) == 0  # 550 EUR minimum (VID 2026)
    assert Decimal(taxes["a-ludza"]["income_tax"]) > 0
