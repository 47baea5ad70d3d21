"""Composition root of the decisions service: cases, decisions, assistants, assignments."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import shared.contracts  # noqa: F401  (registers every event type, intake's and ours)
from services.decisions.api.after_signature import router as after_signature_router
from services.decisions.api.assistants import router as assistants_router
from services.decisions.api.cases import router as cases_router
from services.decisions.api.privacy import router as privacy_router
from services.decisions.api.queries import router as queries_router
from services.decisions.api.support import provide_case_handlers
from services.decisions.consumers import intake_consumer
from services.decisions.handlers.cases import CASE_HANDLERS, watch_overdue
from shared.bus.consumer import EventConsumer
from shared.http.app import create_app
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    settings = runtime.consumer_settings
    return [intake_consumer(runtime.store, runtime.pool, settings, CASE_HANDLERS.run)]


DEFINITION = ServiceDefinition(
    name="decisions",
    migrations=Path(__file__).parent / "migrations",
    consumers=consumers,
    # rules.md §5.4: overdue cases must be visible; the job records DecisionOverdue once.
    background=[watch_overdue],
)


# The HTTP API (architecture.md §1, §5), one router per concern: commands on cases, the life
# of an act after its signature (issue #17), case lists and Latvian documents, assistants
# and assignments, erasure (issue #9). Imported here one by one, not through a package
# that re-exports them: each is one import away from the composition root.
ROUTERS = [cases_router, after_signature_router, queries_router, assistants_router, privacy_router]


def create(settings: Settings | None = None) -> FastAPI:
    app = create_app(DEFINITION, ROUTERS, settings=settings)
    # The routers run case commands through handlers/ports.py's types and import no handler
    # module: bound here, the one place that knows both (keeps import chains short).
    provide_case_handlers(app, CASE_HANDLERS)
    return app
