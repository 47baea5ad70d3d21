"""Composition root of the timesheets service: assistants' monthly time reports."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.bus.consumer import EventConsumer
from shared.http.app import create_app
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    # Grants and assignments arrive from decisions; handlers come with the timesheet issue.
    return [
        EventConsumer("timesheets", "decisions", {}, runtime.pool, runtime.consumer_settings),
    ]


DEFINITION = ServiceDefinition(
    name="timesheets", migrations=Path(__file__).parent / "migrations", consumers=consumers
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, settings=settings)
