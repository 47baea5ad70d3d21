"""``replay_into``: the one rebuild loop of the projections that need only their events."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel

from shared.events.envelope import Envelope
from shared.store.memory import MemoryEventStore
from shared.store.replay import replay_into
from tests.contracts.event_store_contract import CTX, Noted, contract_registry


class RecordingConnection:
    """Only what ``replay_into`` asks of a connection: statements and a transaction."""

    def __init__(self) -> None:
        self.log: list[str] = []

    async def execute(self, statement: str, *args: Any) -> str:
        self.log.append(statement)
        return "OK"

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        self.log.append("begin")
        yield
        self.log.append("commit")


async def test_empties_the_tables_then_applies_every_event_once_in_order() -> None:
    store = MemoryEventStore("probe", contract_registry)
    for n in range(5):
        await store.append(None, f"s-{n % 2}", n // 2, [Noted(n=n)], CTX)
    conn = RecordingConnection()
    applied: list[int] = []

    async def apply(envelope: Envelope, event: BaseModel) -> None:
        assert isinstance(event, Noted)
        conn.log.append(f"apply {event.n}")
        applied.append(event.n)

    # A batch smaller than the events: the loop must page through positions.
    count = await replay_into(conn, store, ("a", "b"), apply, batch=2)  # type: ignore[arg-type]

    assert count == 5
    assert applied == [0, 1, 2, 3, 4]
    # The tables' locks all at once, in a savepoint (shared/store/truncate.py), then TRUNCATE.
    assert conn.log[:5] == [
        "begin",
        "begin",
        "lock table a, b in access exclusive mode nowait",
        "commit",
        "truncate a, b",
    ]
    assert conn.log[-1] == "commit"


async def test_an_empty_store_only_empties_the_tables() -> None:
    conn = RecordingConnection()

    async def apply(envelope: Envelope, event: BaseModel) -> None:
        raise AssertionError("no event to apply")

    store = MemoryEventStore("probe", contract_registry)
    assert await replay_into(conn, store, ("a",), apply) == 0  # type: ignore[arg-type]
    assert conn.log == [
        "begin",
        "begin",
        "lock table a in access exclusive mode nowait",
        "commit",
        "truncate a",
        "commit",
    ]
