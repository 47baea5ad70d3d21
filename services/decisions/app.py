"""Composition root of the decisions service: cases, decisions, assistants, assignments."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import shared.contracts  # noqa: F401  (registers every event type, intake's and ours)
from services.decisions.api import ROUTERS
from services.decisions.consumers import intake_consumer
from services.decisions.handlers import watch_overdue
from shared.bus.consumer import EventConsumer
from shared.http.app import create_app
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    return [intake_consumer(runtime.store, runtime.pool, runtime.consumer_settings)]


DEFINITION = ServiceDefinition(
    name="decisions",
    migrations=Path(__file__).parent / "migrations",
    consumers=consumers,
    # rules.md §5.4: overdue cases must be visible; the job records DecisionOverdue once.
    background=[watch_overdue],
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, ROUTERS, settings=settings)
