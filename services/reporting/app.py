"""Composition root of the ministry's reporting consumer: national figures, no personal data.

It publishes nothing; it reads the events of every service of every municipality.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.bus.consumer import EventConsumer
from shared.http.app import create_app
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings

UPSTREAMS = ("intake", "decisions", "timesheets", "payments")


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    # The national view's handlers come with the reporting issue.
    return [
        EventConsumer("reporting", upstream, {}, runtime.pool, runtime.consumer_settings)
        for upstream in UPSTREAMS
    ]


DEFINITION = ServiceDefinition(
    name="reporting",
    migrations=Path(__file__).parent / "migrations",
    consumers=consumers,
    publishes=False,
    personal_data=False,  # the ministry sees no person: no keys, ciphertext only (issue #9)
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, settings=settings)
