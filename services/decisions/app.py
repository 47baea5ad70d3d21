"""Composition root of the decisions service: cases, decisions, assistants, assignments."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.bus.consumer import EventConsumer
from shared.http.app import create_app
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    return [EventConsumer("decisions", "intake", {}, runtime.pool, runtime.consumer_settings)]


DEFINITION = ServiceDefinition(
    name="decisions", migrations=Path(__file__).parent / "migrations", consumers=consumers
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, settings=settings)
