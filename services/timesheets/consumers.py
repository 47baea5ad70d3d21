"""Decisions' events of every municipality (``asist.*.decisions.>``) into what timesheets knows.

``EventConsumer`` applies each handler in one transaction with the event id's "processed"
mark (a redelivered event changes nothing); the handlers themselves are idempotent too
(grants/projection.py), so the same fact under another event id changes nothing either.

The same durable takes ``PersonalDataErased`` (issue #9, erasure.py): one consumer per
upstream stream, since two durables would each see only part of its messages.
"""

from __future__ import annotations

import asyncpg

from services.timesheets.erasure import erasure_handler
from services.timesheets.grants.projection import HANDLED, learn
from shared.bus.consumer import ConsumerSettings, EventConsumer, EventHandler
from shared.contracts.privacy import PersonalDataErased
from shared.store.eventstore import EventStore

CONSUMER = "timesheets"


def decisions_consumer(
    store: EventStore, pool: asyncpg.Pool, settings: ConsumerSettings
) -> EventConsumer:
    handlers: dict[str, EventHandler] = {event.__name__: learn for event in HANDLED}
    handlers[PersonalDataErased.__name__] = erasure_handler(store)
    return EventConsumer(CONSUMER, "decisions", handlers, pool, settings)
