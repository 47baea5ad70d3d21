"""Composition root of the payments service: monthly pay, bank files, the ministry report."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.bus.consumer import EventConsumer
from shared.http.app import create_app
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    # Handlers for grants and approved timesheets come with the payments issue.
    return [
        EventConsumer("payments", upstream, {}, runtime.pool, runtime.consumer_settings)
        for upstream in ("decisions", "timesheets")
    ]


DEFINITION = ServiceDefinition(
    name="payments", migrations=Path(__file__).parent / "migrations", consumers=consumers
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, settings=settings)
