"""``python -m services.decisions.rebuild``: empty decisions's read models and replay every event.

Safe while the service runs (see ``projections.rebuild``).
"""

from __future__ import annotations

import asyncio

from services.decisions.read_models.projections import rebuild
from shared.contracts.decisions import SERVICE
from shared.settings import Settings
from shared.store.rebuild import rebuild_read_models


async def run(settings: Settings) -> int:
    return await rebuild_read_models(SERVICE, rebuild, settings)


if __name__ == "__main__":
    print(f"replayed {asyncio.run(run(Settings()))} events into decisions's read models")
