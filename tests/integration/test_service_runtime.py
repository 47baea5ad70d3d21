"""Every service starts against real servers: database created, migrations applied, ready."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext

from services.decisions.app import create as create_decisions
from services.intake.app import create as create_intake
from services.payments.app import create as create_payments
from services.reporting.app import create as create_reporting
from services.timesheets.app import create as create_timesheets
from shared.settings import Settings
from tests.conftest import ServiceFactory

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]

CREATORS: list[Callable[[Settings], FastAPI]] = [
    create_intake,
    create_decisions,
    create_timesheets,
    create_payments,
    create_reporting,
]


async def test_every_service_becomes_ready_and_provisions_its_streams_and_consumers(
    start_service: ServiceFactory, js: JetStreamContext
) -> None:
    for create in CREATORS:
        client = await start_service(create)
        ready = await client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"started": True, "database": True, "nats": True}
        assert (await client.get("/health")).json()["status"] == "ok"
        assert "asist_http_requests_total" in (await client.get("/metrics")).text

    streams = {info.config.name for info in await js.streams_info()}
    assert {"INTAKE", "DECISIONS", "TIMESHEETS", "PAYMENTS", "DEADLETTER"} <= streams
    durables = {c.name for c in await js.consumers_info("INTAKE")}
    assert {"decisions-INTAKE", "reporting-INTAKE"} <= durables


async def test_starting_twice_is_idempotent(start_service: ServiceFactory) -> None:
    first = await start_service(create_decisions)
    second = await start_service(create_decisions)  # a second replica, same database and bus
    assert (await first.get("/ready")).status_code == 200
    assert (await second.get("/ready")).status_code == 200
