"""The municipality's monthly report to the ministry (rules.md §9): figures, files, submit."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext
from openpyxl import load_workbook

from shared.contracts.decisions import CaseOpened, ClientData, HoursGranted
from shared.rules import AgeGroup, RuleSetId, Unit
from shared.settings import Settings
from tests.conftest import ServiceFactory
from tests.integration.payments_support import (
    DECISIONS,
    DGP,
    FINANCE,
    IBANS,
    Assistant,
    approved,
    command,
    envelope_of,
    events_of,
    open_and_approve,
    payments_db,
    register,
    send_timesheet,
    start_payments,
)
from tests.integration.test_decisions_support import eventually, publish

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


@pytest.fixture
async def payments(start_service: ServiceFactory, js: JetStreamContext) -> httpx.AsyncClient:
    return await start_payments(start_service, js)


@pytest.fixture
async def db(settings: Settings, payments: httpx.AsyncClient) -> AsyncIterator[asyncpg.Connection]:
    async with payments_db(settings) as conn:
        yield conn


async def grant_case(js: JetStreamContext, db: asyncpg.Connection, case_id: str) -> None:
    opened = CaseOpened(
        case_id=case_id,
        application_id=case_id,
        municipality="daugavpils",
        received_on=date(2026, 11, 2),
        decision_deadline=date(2026, 12, 2),
        client=ClientData(
            personal_code="12038512342", first_name="A", last_name="B", birth_date=date(1985, 3, 12)
        ),
    )
    granted = HoursGranted(
        case_id=case_id,
        application_id=case_id,
        decision_number=1,
        decided_on=date(2026, 11, 10),
        decided_late=False,
        personal_code="12038512342",
        age_group=AgeGroup.ADULT,
        vision_group=False,
        rule_set=RuleSetId.LV_2021,
        legal_basis="Reg. 316",
        unit=Unit.WEEK,
        hours=Decimal(21),
        rules_hours=Decimal(21),
        need_hours=Decimal(21),
        breakdown=[],
        period_start=date(2026, 11, 16),
        period_end=date(2027, 11, 15),
        trace=[],
    )
    for version, event in enumerate((opened, granted), start=1):
        await publish(js, envelope_of(DECISIONS, f"case-{case_id}", event, "daugavpils", version))

    async def decided() -> bool:
        status = await db.fetchval("select status from cases where case_id = $1", case_id)
        return bool(status == "granted")

    await eventually(decided)


async def test_the_monthly_report_is_computed_downloadable_and_submitted_once(
    payments: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext
) -> None:
    await grant_case(js, db, "case-1")
    assistant = Assistant("a-report", IBANS[0])
    await register(js, db, assistant)
    await send_timesheet(js, db, approved(assistant, "2026-11", ["10", "5"]))
    await open_and_approve(payments, "2026-11")

    view = (await payments.get(f"{DGP}/reports/2026-11", headers=FINANCE)).json()
    figures = view["figures"]
    assert figures["clients_served_adults"] == 1
    assert figures["assistants_paid"] == 1
    assert Decimal(figures["hours_granted"]) == Decimal("45.00")  # 15 days × 21 h / 7
    assert Decimal(figures["hours_approved"]) == Decimal(figures["hours_paid"]) == 15
    assert Decimal(figures["total"]) == Decimal("76.65")  # 15 h × 5.11
    assert Decimal(figures["administration_amount"]) == Decimal("3.90")  # 15 h × 0.26
    assert (figures["applications_received"], figures["applications_granted"]) == (1, 1)

    csv = await payments.get(f"{DGP}/reports/2026-11/report.csv", headers=FINANCE)
    assert "Apmaksātās stundas" in csv.content.decode("utf-8-sig")
    xlsx = await payments.get(f"{DGP}/reports/2026-11/report.xlsx", headers=FINANCE)
    assert "Iesniegumi" in load_workbook(io.BytesIO(xlsx.content)).sheetnames

    submitted = await payments.post(f"{DGP}/reports/2026-11/submit", headers=command(FINANCE))
    assert submitted.status_code == 201, submitted.text
    [event] = await events_of(db, "MonthlyReportSubmitted")
    assert event["figures"] == figures
    twice = await payments.post(f"{DGP}/reports/2026-11/submit", headers=command(FINANCE))
    assert twice.status_code == 409
    unfinished = await payments.post(f"{DGP}/reports/2026-12/submit", headers=command(FINANCE))
    assert unfinished.status_code == 422
