"""Replay an event store into read models that come only from its events.

A projection that needs nothing but each event and its envelope rebuilds the same way:
empty its tables and apply every event in commit order, in one transaction, so a reader
sees the old rows or the new ones, never half (architecture.md §5 "Rebuild").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from pydantic import BaseModel

from shared.events.envelope import Envelope
from shared.store.protocol import EventStorage
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
        await conn.execute(f"truncate {', '.join(tables)}")
        position = 0
        while True:
            recorded = await store.read_all(conn, after_position=position, limit=batch)
            if not recorded:
                return count
            for item in recorded:
                await apply(item.envelope, store.decode(item.envelope))
                position = item.position
                count += 1
