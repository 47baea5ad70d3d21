"""Composition root of the payments service: monthly pay, bank files, the ministry report."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import shared.contracts  # noqa: F401  (registers every event type)
from services.payments.api import ROUTERS
from services.payments.upstream import upstream_consumers
from shared.bus.consumer import EventConsumer
from shared.http.app import create_app
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    return upstream_consumers(runtime.store, runtime.pool, runtime.consumer_settings)


DEFINITION = ServiceDefinition(
    name="payments", migrations=Path(__file__).parent / "migrations", consumers=consumers
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, ROUTERS, settings=settings)
