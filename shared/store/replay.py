"""Replay an event store into read models that come only from its events.

A projection that needs nothing but each event and its envelope rebuilds the same way:
empty its tables and apply every event in commit order, in one transaction, so a reader
sees the old rows or the new ones, never half (architecture.md §5 "Rebuild"). Each stored
event is parsed once with its typed data (``read_all_decoded``, issue #14).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from pydantic import BaseModel

from shared.events.envelope import Envelope
from shared.store.garbage import fewer_collections
from shared.store.protocol import EventStorage
from shared.store.truncate import truncate_all
from shared.store.types import Connection

Apply = Callable[[Envelope, BaseModel], Awaitable[None]]


async def replay_into(
    conn: Connection,
    store: EventStorage[Connection],
    tables: Sequence[str],
    apply: Apply,
    batch: int = 1000,
) -> int:
    """Truncate ``tables``, then ``apply`` every stored event in commit order; the count."""
    count = 0
    async with conn.transaction():
        await truncate_all(conn, tables)  # all locks at once: no deadlock with writers
        position = 0
        with fewer_collections():
            while True:
                decoded = await store.read_all_decoded(conn, after_position=position, limit=batch)
                if not decoded:
                    return count
                for item in decoded:
                    await apply(item.envelope, item.event)
                    position = item.position
                    count += 1
