"""An in-memory key bucket for unit tests of the keyring's logic (production: JetStream KV)."""

from __future__ import annotations

import asyncio

from shared.privacy.keyring import KeyExists


class MemoryBucket:
    def __init__(self) -> None:
        self.entries: dict[str, tuple[bytes, int]] = {}
        self.revision = 0

    async def get(self, key: str) -> tuple[bytes, int] | None:
        await asyncio.sleep(0)  # a round trip: other writers run in between, as with NATS
        return self.entries.get(key)

    async def create(self, key: str, value: bytes) -> None:
        await asyncio.sleep(0)
        if key in self.entries:
            raise KeyExists(key)
        self._put(key, value)

    async def update(self, key: str, value: bytes, revision: int) -> bool:
        current = self.entries.get(key)
        if current is None or current[1] != revision:
            return False
        self._put(key, value)
        return True

    async def purge(self, key: str) -> None:
        self.entries.pop(key, None)

    def _put(self, key: str, value: bytes) -> None:
        self.revision += 1
        self.entries[key] = (value, self.revision)

    def dump(self) -> str:
        return repr(self.entries)
