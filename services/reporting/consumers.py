"""The reporting consumers: one durable per producing stream, every municipality's events.

Each handler is the projection's ``apply``, and its ``apply_many`` takes whole runs of
consecutive events (the consumer's batch handler); ``EventConsumer`` records the event id
in the same transaction, so 3× delivery applies an event once. Each durable filters only the
subjects of the events the figures use (issue 18): the others are never delivered, so
never acknowledged. A handler added in a later version widens the filter, and the durable
is then read again from the stream's first message (``ensure_consumer``), so the new
handler counts the whole history; the catch-up of ``replay.py`` covers what the skeleton's
durables acknowledged before any handler existed.
"""

from __future__ import annotations

from collections import defaultdict

import asyncpg

from services.reporting.projection import EVENTS, Projection
from shared.bus.consumer import ConsumerSettings, EventConsumer, EventHandler
from shared.bus.provisioning import durable_name
from shared.events.registry import registry

CONSUMER = "reporting"
UPSTREAMS = ("intake", "decisions", "timesheets", "payments")


def handlers(projection: Projection) -> dict[str, dict[str, EventHandler]]:
    """Event name -> handler, per upstream service."""
    by_service: defaultdict[str, dict[str, EventHandler]] = defaultdict(dict)
    for event in EVENTS:
        spec = registry.spec_of(event)
        by_service[spec.service][spec.name] = projection.apply
    return {service: by_service[service] for service in UPSTREAMS}


def durables() -> dict[str, str]:
    """Upstream service -> the name of its durable consumer, e.g. ``reporting-INTAKE``."""
    return {service: durable_name(CONSUMER, service) for service in UPSTREAMS}


def reporting_consumers(
    projection: Projection, pool: asyncpg.Pool, settings: ConsumerSettings
) -> list[EventConsumer]:
    # One function object for every type: the consumer hands it whole runs of consecutive
    # events, whatever their types (issue #14: two statements per run, not two per fact).
    apply_many = projection.apply_many
    return [
        EventConsumer(
            CONSUMER,
            service,
            service_handlers,
            pool,
            settings,
            batch_handlers=dict.fromkeys(service_handlers, apply_many),
        )
        for service, service_handlers in handlers(projection).items()
    ]
