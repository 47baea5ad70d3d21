"""Issue #17 downstream, for real: payments follow what is in effect (legal.md §5 item 3).

A termination is held back by an objection filed after it had taken effect: payments keep
the grant, with the days it was in effect as a gap; the body upholds it from a later day.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from shared.contracts.decisions import (
    ObjectionDecided,
    ObjectionFiled,
    ObjectionOutcome,
    ServiceTerminated,
    TerminationReason,
)
from shared.settings import Settings
from tests.conftest import ServiceFactory
from tests.integration.payments_support import DECISIONS, envelope_of, payments_db, start_payments
from tests.integration.test_decisions_support import eventually, publish
from tests.integration.test_payments_report import grant_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]

CASE = "case-objection"
STREAM = f"case-{CASE}"


@pytest.fixture
async def payments(start_service: ServiceFactory, js: JetStreamContext) -> httpx.AsyncClient:
    return await start_payments(start_service, js)


@pytest.fixture
async def db(settings: Settings, payments: httpx.AsyncClient) -> AsyncIterator[asyncpg.Connection]:
    async with payments_db(settings) as conn:
        yield conn


async def test_payments_keep_a_held_back_termination_out_until_it_is_upheld(
    js: JetStreamContext, db: asyncpg.Connection
) -> None:
    await grant_case(js, db, CASE)  # from 16 November 2026
    first_day, filed_on = date(2026, 12, 1), date(2026, 12, 10)
    terminated = ServiceTerminated(
        case_id=CASE,
        decision_number=2,
        decided_on=date(2026, 11, 25),
        reason=TerminationReason.NOT_USED,
        terminated_from=first_day,
    )
    await publish(js, envelope_of(DECISIONS, STREAM, terminated, "daugavpils", 3))

    async def ended() -> object:
        return await db.fetchval("select ended_from from cases where case_id = $1", CASE)

    assert await eventually(ended) == first_day
    filed = ObjectionFiled(
        case_id=CASE,
        objection_id="o1",
        decision_number=2,
        act="ServiceTerminated",
        act_first_day=first_day,
        filed_on=filed_on,
        filed_by="Persona",
        holds_back=True,
        held_from=filed_on,
    )
    await publish(js, envelope_of(DECISIONS, STREAM, filed, "daugavpils", 4))

    async def held_back() -> bool:
        row = await db.fetchrow(
            "select ended_from, (select array_agg(array[suspended_from, resumed_on])"
            " from suspensions where case_id = $1) as gaps from cases where case_id = $1",
            CASE,
        )
        return row is not None and row["ended_from"] is None and row["gaps"] is not None

    await eventually(held_back)
    gaps = await db.fetch(
        "select suspended_from, resumed_on from suspensions where case_id = $1", CASE
    )
    assert [(g["suspended_from"], g["resumed_on"]) for g in gaps] == [(first_day, filed_on)]

    upheld = ObjectionDecided(
        case_id=CASE,
        objection_id="o1",
        decision_number=2,
        act="ServiceTerminated",
        outcome=ObjectionOutcome.UPHELD,
        decided_on=date(2027, 1, 5),
        body_reference="Domes lēmums Nr. 3",
        effect_from=date(2027, 1, 15),
        holds_back=True,
    )
    await publish(js, envelope_of(DECISIONS, STREAM, upheld, "daugavpils", 5))
    assert await eventually(ended) == date(2027, 1, 15)
