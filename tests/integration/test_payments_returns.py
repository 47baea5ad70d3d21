"""A returned payment (camt.054, AC04) is re-issued once the assistant's IBAN is corrected,
exactly once (rules.md §8.3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import httpx
import pytest
from lxml import etree
from nats.js import JetStreamContext

from services.payments.bank_file import validate
from services.payments.bank_returns import BankReturn, camt054_returns
from shared.settings import Settings
from tests.conftest import ServiceFactory
from tests.integration.payments_support import (
    DGP,
    FINANCE,
    FINANCE_2,
    IBANS,
    Assistant,
    approved,
    change_iban,
    command,
    events_of,
    open_and_approve,
    payments_db,
    register,
    send_timesheet,
    start_payments,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


@pytest.fixture
async def payments(start_service: ServiceFactory, js: JetStreamContext) -> httpx.AsyncClient:
    return await start_payments(start_service, js)


@pytest.fixture
async def db(settings: Settings, payments: httpx.AsyncClient) -> AsyncIterator[asyncpg.Connection]:
    async with payments_db(settings) as conn:
        yield conn


async def upload(client: httpx.AsyncClient, content: bytes) -> httpx.Response:
    return await client.post(
        f"{DGP}/bank-returns",
        content=content,
        headers={**command(FINANCE), "Content-Type": "application/xml"},
    )


async def test_a_returned_payment_is_reissued_once_after_the_iban_is_corrected(
    payments: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext
) -> None:
    closed = Assistant("a-closed", IBANS[0])
    other = Assistant("a-fine", IBANS[1])
    for assistant in (closed, other):
        await register(js, db, assistant)
        await send_timesheet(js, db, approved(assistant, "2026-11", ["10"]))
    await open_and_approve(payments, "2026-11")
    payment = next(
        p for p in await events_of(db, "PaymentIssued") if p["assistant_id"] == "a-closed"
    )
    amount = Decimal(payment["money"]["net"])

    report = camt054_returns("RET-1", [(BankReturn(payment["payment_id"], "AC04"), str(amount))])
    first = await upload(payments, report)
    assert first.status_code == 201, first.text
    [returned] = first.json()["recorded"]
    assert (returned["reason_code"], Decimal(returned["amount"])) == ("AC04", amount)
    again = await upload(payments, report)  # the same report uploaded twice
    assert again.json()["recorded"] == []

    too_early = await payments.post(
        f"{DGP}/payment-runs", json={"month": "2026-11", "reissue": True}, headers=command(FINANCE)
    )
    assert too_early.status_code == 409
    assert "corrected IBAN" in too_early.json()["detail"]

    await change_iban(js, db, closed, IBANS[3])
    reissue, approval = await open_and_approve(payments, "2026-11", reissue=True)
    assert reissue["kind"] == "reissue"
    [reissued] = await events_of(db, "PaymentReissued")
    assert reissued["original_payment_id"] == payment["payment_id"]
    assert Decimal(reissued["amount"]) == amount
    content = (
        await payments.get(f"{DGP}/payment-runs/{reissue['run_id']}/bank-file", headers=FINANCE_2)
    ).content
    validate(content)
    document = etree.fromstring(content)
    assert document.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == IBANS[3]
    assert document.findtext(".//p:EndToEndId", namespaces=NS) == reissued["payment_id"]
    assert approval["bank_file"]["transactions"] == 1

    once_more = await payments.post(
        f"{DGP}/payment-runs", json={"month": "2026-11", "reissue": True}, headers=command(FINANCE)
    )
    assert once_more.status_code == 409
    assert len(await events_of(db, "PaymentReissued")) == 1


async def test_a_return_of_an_unknown_payment_is_refused_naming_it(
    payments: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    response = await upload(payments, camt054_returns("R", [(BankReturn("nope", "AC04"), "1")]))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "returns[0]"
    not_xml = await upload(payments, b"hello")
    assert not_xml.status_code == 422
    assert not_xml.headers["content-type"].startswith("application/problem+json")
