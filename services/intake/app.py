"""Composition root of the intake service: applications, documents, changes of circumstances."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import shared.contracts  # noqa: F401  (registers every event type, decisions' too)
from services.intake.api import router
from services.intake.consumers import decisions_consumer
from shared.bus.consumer import EventConsumer
from shared.http.app import create_app
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    # rules.md §3.5: applications another municipality forwarded here (issue #13).
    return [decisions_consumer(runtime.store, runtime.pool, runtime.consumer_settings)]


DEFINITION = ServiceDefinition(
    name="intake", migrations=Path(__file__).parent / "migrations", consumers=consumers
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, routers=[router], settings=settings)
