"""Composition root of the ministry's reporting consumer: national figures, no personal data.

It publishes nothing; it reads the events of every service of every municipality through
one durable consumer per producing stream, keeps figures per municipality and month with
their history (``projection.py``) and serves them to the ministry (``api.py``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI

import shared.contracts  # noqa: F401  (registers every event type it reads)
from services.reporting.api import ROUTERS
from services.reporting.consumers import UPSTREAMS, reporting_consumers
from services.reporting.projection import Projection
from services.reporting.replay import watch_history
from shared.bus.consumer import EventConsumer
from shared.http.app import create_app
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings

__all__ = ["DEFINITION", "UPSTREAMS", "create"]


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    return reporting_consumers(Projection(), runtime.pool, runtime.consumer_settings)


async def replay_unhandled_history(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    # Durables that acknowledged events before this database knew of them (issue 18).
    await watch_history(runtime.pool, runtime.js, stop)
    # Done once; a background job lives as long as the service (a job that returns early
    # counts as failed and is restarted by the supervisor).
    await stop.wait()


DEFINITION = ServiceDefinition(
    name="reporting",
    migrations=Path(__file__).parent / "migrations",
    consumers=consumers,
    publishes=False,
    background=[replay_unhandled_history],
    personal_data=False,  # the ministry sees no person: no keys, ciphertext only (issue #9)
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, ROUTERS, settings=settings)
