"""Composition root of the intake service: applications, documents, changes of circumstances."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import shared.contracts  # noqa: F401  (registers every event type, decisions' too)
from services.intake.api import router
from services.intake.consumers import decisions_consumer
from services.intake.projections import rebuild
from shared.bus.consumer import EventConsumer
from shared.http.app import create_app
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    # Forwarded applications (issue #13) and erasures (issue #9) from decisions.
    return [decisions_consumer(runtime.store, runtime.pool, runtime.consumer_settings, rebuild)]


DEFINITION = ServiceDefinition(
    name="intake", migrations=Path(__file__).parent / "migrations", consumers=consumers
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, routers=[router], settings=settings)
