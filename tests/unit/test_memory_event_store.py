"""The in-memory event store passes the contract of every event store (issue #8)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from shared.store.memory import MemoryEventStore
from tests.contracts.event_store_contract import EventStoreContract, Subject, contract_registry


@contextlib.asynccontextmanager
async def no_connection() -> AsyncIterator[None]:
    yield None  # the in-memory store needs none


class TestMemoryEventStore(EventStoreContract):
    @pytest.fixture
    def subject(self) -> Subject:
        return Subject(MemoryEventStore("probe", contract_registry), no_connection)


async def test_stores_are_independent_of_each_other() -> None:
    from tests.contracts.event_store_contract import CTX, Noted

    first, second = (
        MemoryEventStore("probe", contract_registry),
        MemoryEventStore("probe", contract_registry),
    )
    await first.append(None, "s", 0, [Noted(n=1)], CTX)
    assert await second.current_version(None, "s") == 0
    assert await second.read_all(None) == []
