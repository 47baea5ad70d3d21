"""Composition root of the timesheets service: assistants' monthly time reports."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import shared.contracts  # noqa: F401  (registers every event type, decisions' and ours)
from services.timesheets.api import ROUTERS
from services.timesheets.consumers import decisions_consumer
from services.timesheets.report.overdue import watch_overdue
from shared.bus.consumer import EventConsumer
from shared.http.app import create_app
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    # Grants, suspensions, terminations, assistants and assignments of every municipality,
    # and erasures (issue #9), on one durable.
    return [decisions_consumer(runtime.store, runtime.pool, runtime.consumer_settings)]


DEFINITION = ServiceDefinition(
    name="timesheets",
    migrations=Path(__file__).parent / "migrations",
    consumers=consumers,
    # rules.md §7.1: reports due by a municipality's day; TimesheetOverdue once per report.
    background=[watch_overdue],
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, ROUTERS, settings=settings)
