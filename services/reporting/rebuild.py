"""``python -m services.reporting.rebuild``: empty the figures and replay every stream.

The reporting service keeps no event store (it would copy personal data); its source is
the producing streams on JetStream, read from their first message (``replay.rebuild``).
Safe while the service runs: the rebuild holds its tables until it commits, and the live
consumer then skips the events the rebuild applied.
"""

from __future__ import annotations

import asyncio

import asyncpg

import shared.contracts  # noqa: F401  (registers every event type it reads)
from services.reporting.app import DEFINITION
from services.reporting.replay import rebuild
from shared.bus.connection import connect
from shared.settings import Settings
from shared.store.db import database_dsn


async def run(settings: Settings) -> int:
    nc = await connect(settings, "asist-reporting-rebuild")
    conn = await asyncpg.connect(
        database_dsn(settings.database_url, settings.database_name(DEFINITION.name))
    )
    try:
        return await rebuild(conn, nc.jetstream())
    finally:
        await conn.close()
        await nc.close()


if __name__ == "__main__":
    print(f"replayed {asyncio.run(run(Settings()))} events into the reporting figures")
