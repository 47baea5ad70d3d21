"""Decisions' events of every municipality (``asist.*.decisions.>``) into what timesheets knows.

``EventConsumer`` applies each handler in one transaction with the event id's "processed"
mark (a redelivered event changes nothing); the handlers themselves are idempotent too
(grants/projection.py), so the same fact under another event id changes nothing either.
"""

from __future__ import annotations

import asyncpg

from services.timesheets.grants.projection import HANDLED, learn
from shared.bus.consumer import ConsumerSettings, EventConsumer

CONSUMER = "timesheets"


def decisions_consumer(pool: asyncpg.Pool, settings: ConsumerSettings) -> EventConsumer:
    return EventConsumer(
        CONSUMER, "decisions", {event.__name__: learn for event in HANDLED}, pool, settings
    )
