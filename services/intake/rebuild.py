"""``python -m services.intake.rebuild``: empty intake's read models and replay every event.

For an operator after a projection bug fix or a new read-model column (architecture.md §5
"Rebuild"); safe while the service runs (see ``projections.rebuild``).
"""

from __future__ import annotations

import asyncio

import asyncpg

from services.intake.app import DEFINITION
from services.intake.projections import rebuild
from shared.settings import Settings
from shared.store.db import database_dsn
from shared.store.eventstore import EventStore


async def run(settings: Settings) -> int:
    """Rebuild intake's read models in its database; returns how many events were replayed."""
    dsn = database_dsn(settings.database_url, settings.database_name(DEFINITION.name))
    conn = await asyncpg.connect(dsn)
    try:
        return await rebuild(conn, EventStore(DEFINITION.name))
    finally:
        await conn.close()


if __name__ == "__main__":
    print(f"replayed {asyncio.run(run(Settings()))} events into intake's read models")
