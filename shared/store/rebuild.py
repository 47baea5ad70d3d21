"""Rebuild a service's read models from its event store (architecture.md §5 "Rebuild").

Each service names its projection's ``rebuild(conn, store)``; this runs it against the
service's database, for an operator after a projection bug fix or a new read-model column.
A rebuild that takes ``reader=`` (intake's, decisions') gets a second connection that reads
the next events while the first applies the current ones (issue #14).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from shared.privacy.setup import connected_protector
from shared.settings import Settings
from shared.store.db import database_dsn
from shared.store.eventstore import EventStore
from shared.store.types import Connection

Rebuild = Callable[..., Awaitable[int]]  # (conn, store[, *, reader=conn]) -> events replayed


async def rebuild_read_models(service: str, rebuild: Rebuild, settings: Settings) -> int:
    """Run ``rebuild`` in ``service``'s database; returns how many events were replayed."""
    dsn = database_dsn(settings.database_url, settings.database_name(service))
    conn: Connection = await asyncpg.connect(dsn)
    reader: Connection | None = None
    try:
        extra: dict[str, Any] = {}
        if "reader" in inspect.signature(rebuild).parameters:
            reader = await asyncpg.connect(dsn)
            extra["reader"] = reader
        # Personal fields read clear, or "erased" once their key is gone (issue #9).
        async with connected_protector(settings) as protector:
            return await rebuild(conn, EventStore(service, protector=protector), **extra)
    finally:
        await conn.close()
        if reader is not None:
            await reader.close()
