"""Decisions' events of every municipality (``asist.*.decisions.>``) into what timesheets knows.

``EventConsumer`` applies each handler in one transaction with the event id's "processed"
mark (a redelivered event changes nothing); the handlers themselves are idempotent too
(grants/projection.py), so the same fact under another event id changes nothing either.

The same durable takes ``PersonalDataErased`` (issue #9, erasure.py): one consumer per
upstream stream, since two durables would each see only part of its messages.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from pydantic import BaseModel

from services.timesheets.erasure import erasure_handler
from services.timesheets.grants.projection import HANDLED, learn
from shared.bus.consumer import ConsumerSettings, EventConsumer, EventHandler
from shared.contracts.privacy import PersonalDataErased
from shared.events.envelope import Envelope
from shared.store.batches import project_in_batches
from shared.store.eventstore import EventStore
from shared.store.types import Connection

CONSUMER = "timesheets"


def decisions_consumer(
    store: EventStore, pool: asyncpg.Pool, settings: ConsumerSettings
) -> EventConsumer:
    handlers: dict[str, EventHandler] = {event.__name__: learn for event in HANDLED}
    handlers[PersonalDataErased.__name__] = erasure_handler(store)
    return EventConsumer(
        CONSUMER,
        "decisions",
        handlers,
        pool,
        settings,
        # Runs of consecutive grant events in a few executemany (issue #14); one function
        # object for every type, so a run spans types. An erasure ends a run.
        batch_handlers=dict.fromkeys((event.__name__ for event in HANDLED), learn_many),
    )


async def learn_many(conn: Connection, events: Sequence[tuple[Envelope, BaseModel]]) -> None:
    """``learn`` for a run of events, its statements batched (shared/store/batches.py): each
    statement of ``learn`` touches only rows of the event's own case, assistant or
    assignment."""
    await project_in_batches(conn, learn, events)
