"""Hours approved or corrected after a run: a supplementary run pays only the difference,
and a negative difference is recovered from the next payment, never a negative transfer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from shared.settings import Settings
from tests.conftest import ServiceFactory
from tests.integration.payments_support import (
    DGP,
    FINANCE,
    IBANS,
    Assistant,
    approved,
    corrected,
    events_of,
    open_and_approve,
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


async def test_corrections_after_payment_pay_the_difference_and_recover_an_over_payment(
    payments: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext
) -> None:
    assistant = Assistant("a-corrected", IBANS[0], tax_book_held=False)
    await register(js, db, assistant)
    october = approved(assistant, "2026-10", ["8", "8"])
    await send_timesheet(js, db, october)
    regular, _ = await open_and_approve(payments, "2026-10")
    assert regular["kind"] == "regular"

    # More hours approved later: the supplementary run pays the 4 more hours only.
    await send_timesheet(js, db, corrected(october, ["8", "8", "4"]))
    more, more_approved = await open_and_approve(payments, "2026-10")
    assert more["kind"] == "supplementary"
    assert Decimal(more["totals"]["hours"]) == 4
    assert more_approved["bank_file"]["transactions"] == 1

    # Fewer hours after that: a recovery line, and no transfer (no bank file at all).
    await send_timesheet(js, db, corrected(october, ["8", "2", "4"], version=3))
    fewer, fewer_approved = await open_and_approve(payments, "2026-10")
    assert Decimal(fewer["totals"]["hours"]) == -6
    assert Decimal(fewer["totals"]["money"]["net"]) < 0
    assert fewer_approved["bank_file"] is None
    due = await db.fetchval("select due from recoveries where assistant_id = 'a-corrected'")
    assert due == -Decimal(fewer["totals"]["money"]["net"])

    issued = await events_of(db, "PaymentIssued")
    assert sum(Decimal(p["hours"]) for p in issued) == 14  # what is approved now: 8 + 2 + 4

    # November: the over-payment is netted against the next payment.
    await send_timesheet(js, db, approved(assistant, "2026-11", ["20"], case_id="case-1"))
    november, november_approved = await open_and_approve(payments, "2026-11")
    [payment] = november["payments"]
    assert Decimal(payment["recovered"]) == due
    assert Decimal(payment["transfer"]) == Decimal(payment["money"]["net"]) - due
    assert Decimal(november_approved["bank_file"]["control_sum"]) == Decimal(payment["transfer"])
    assert await db.fetchval("select due from recoveries where assistant_id = 'a-corrected'") == 0


async def test_an_old_version_arriving_late_changes_nothing(
    payments: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext
) -> None:
    assistant = Assistant("a-late", IBANS[1])
    await register(js, db, assistant)
    first = approved(assistant, "2026-11", ["6"])
    await send_timesheet(js, db, corrected(first, ["7"]))
    await send_timesheet(js, db, first)  # version 1 after version 2
    assert await db.fetchval("select sum(hours) from approved_days") == 7
    response = await payments.post(
        f"{DGP}/payment-runs",
        json={"month": "2026-11"},
        headers={**FINANCE, "Idempotency-Key": "k"},
    )
    assert Decimal(response.json()["totals"]["hours"]) == 7
