"""``python -m services.payments.rebuild``: empty payments's own read models and replay its
event store. The tables fed by upstream consumers and the bank records stay (projections.py).
"""

from __future__ import annotations

import asyncio

from services.payments.app import DEFINITION
from services.payments.projections import rebuild
from shared.settings import Settings
from shared.store.rebuild import rebuild_read_models


async def run(settings: Settings) -> int:
    return await rebuild_read_models(DEFINITION.name, rebuild, settings)


if __name__ == "__main__":
    print(f"replayed {asyncio.run(run(Settings()))} events into payments's read models")
