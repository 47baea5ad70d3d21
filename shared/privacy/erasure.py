"""What erasure means inside one service (issue #9): nothing readable is left behind.

Destroying the key makes every sealed field of the person read "erased" in the event
store, on every stream and in every partner's copy. What a service wrote in clear from
those fields must go too:

- read models: rebuilt from the event store, where the person now reads "erased";
- stored command responses (``Idempotency-Key`` replays), which may echo the person:
  every one mentioning an id of the person's events is deleted; a retry of such a command
  after the erasure runs it again (the domain then refuses a duplicate).

Every service with personal data in its tables calls :func:`forget_erased`: decisions in
the erasure command itself, the others from :func:`erasure_consumer` (``PersonalDataErased``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from pydantic import BaseModel

from shared.bus.consumer import ConsumerSettings, EventConsumer, EventHandler
from shared.contracts.privacy import PersonalDataErased
from shared.events.envelope import Envelope
from shared.logging import get_logger
from shared.store.eventstore import EventStore
from shared.store.types import Connection

log = get_logger(__name__)

Rebuild = Callable[[Connection, EventStore], Awaitable[int]]


async def events_sealed_with(conn: Connection, key_id: str) -> list[dict[str, Any]]:
    """The stored (sealed) envelopes that carry a field under ``key_id``."""
    rows = await conn.fetch(
        "select envelope::text as envelope from events where envelope::text like $1",
        f"%enc:v1:{key_id}:%",
    )
    return [json.loads(r["envelope"]) for r in rows]


def ids_in(envelopes: list[dict[str, Any]]) -> set[str]:
    """Ids (``*_id`` fields and aggregate ids) of these events: what responses echo."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key.endswith("_id") and isinstance(item, str) and len(item) >= 8:
                    found.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for envelope in envelopes:
        walk(envelope.get("data", {}))
        found.add(str(envelope.get("subject", "")))
    return {i for i in found if i and not i.startswith("enc:")}


async def forget_erased(
    conn: Connection, store: EventStore, key_id: str, rebuild: Rebuild | None
) -> int:
    """Scrub this service's tables of the person whose key ``key_id`` was destroyed.

    Runs in the caller's transaction; returns how many of this store's events the key sealed.
    """
    if store.protector is not None:
        store.protector.keyring.forget(key_id)  # before the rebuild reads the events
    sealed = await events_sealed_with(conn, key_id)
    ids = ids_in(sealed)
    if ids:
        await conn.execute(
            "delete from idempotency_keys where body::text like any($1::text[])",
            [f"%{i}%" for i in ids],
        )
    if sealed and rebuild is not None:
        await rebuild(conn, store)
    log.info("privacy.erased_here", key_id=key_id, events=len(sealed))
    return len(sealed)


def erasure_handler(store: EventStore, rebuild: Rebuild | None) -> EventHandler:
    """The handler of ``PersonalDataErased``: add it to a consumer of decisions' events."""

    async def handle(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        assert isinstance(data, PersonalDataErased)
        await forget_erased(conn, store, data.key_id, rebuild)

    return handle


def erasure_consumer(
    service: str,
    store: EventStore,
    pool: asyncpg.Pool,
    settings: ConsumerSettings,
    rebuild: Rebuild | None,
) -> EventConsumer:
    """For a service that reads nothing else from decisions: a consumer of erasures only."""
    handlers = {PersonalDataErased.__name__: erasure_handler(store, rebuild)}
    return EventConsumer(service, "decisions", handlers, pool, settings)
