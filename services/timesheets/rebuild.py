"""``python -m services.timesheets.rebuild``: empty the reports' read models and replay them.

The reports' tables come from timesheets' own events. What timesheets knows from decisions
(grant_*, known_*) is not in its event store: to rebuild it, reset the durable consumer
``timesheets-DECISIONS`` to the start of the DECISIONS stream (its writes are idempotent).
"""

from __future__ import annotations

import asyncio

from services.timesheets.app import DEFINITION
from services.timesheets.report.projection import rebuild
from shared.settings import Settings
from shared.store.rebuild import rebuild_read_models


async def run(settings: Settings) -> int:
    return await rebuild_read_models(DEFINITION.name, rebuild, settings)


if __name__ == "__main__":
    print(f"replayed {asyncio.run(run(Settings()))} events into timesheets's read models")
