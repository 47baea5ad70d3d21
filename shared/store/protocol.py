"""What every event store offers (architecture.md §5), PostgreSQL's and the in-memory one.

Code that only appends, reads and folds streams can take an :class:`EventStorage` and run
on either: the real store in integration tests and services, :mod:`shared.store.memory`
where milliseconds matter (domain and pipeline tests). Both pass one contract suite
(``tests/contracts/event_store_contract.py``).

The connection is the first argument of every call, as in ``EventStore``; its type is the
store's own (an asyncpg connection; anything, e.g. ``None``, for the in-memory store).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from pydantic import BaseModel

from shared.events.envelope import Envelope
from shared.events.registry import EventRegistry
from shared.store.eventstore import DecodedEvent, EventContext, RecordedEvent

ConnectionT_contra = TypeVar("ConnectionT_contra", contravariant=True)
S = TypeVar("S")


class EventStorage(Protocol[ConnectionT_contra]):
    """Append with an expected version (a conflict raises ``ConcurrencyError``, never
    merges), read a stream, read everything after a position, fold a stream into state."""

    service: str
    registry: EventRegistry

    async def current_version(self, conn: ConnectionT_contra, stream_id: str) -> int: ...

    async def append(
        self,
        conn: ConnectionT_contra,
        stream_id: str,
        expected_version: int,
        events: Sequence[BaseModel],
        context: EventContext,
    ) -> list[Envelope]: ...

    async def read_stream(
        self, conn: ConnectionT_contra, stream_id: str, after_version: int = 0
    ) -> list[Envelope]: ...

    async def read_all(
        self,
        conn: ConnectionT_contra,
        after_position: int = 0,
        limit: int = 1000,
        municipality: str | None = None,
        *,
        wait_for_running: bool = True,
    ) -> list[RecordedEvent]: ...

    async def read_all_decoded(
        self,
        conn: ConnectionT_contra,
        after_position: int = 0,
        limit: int = 1000,
        *,
        wait_for_running: bool = True,
    ) -> list[DecodedEvent]: ...

    def decode(self, envelope: Envelope) -> BaseModel: ...

    async def load(
        self,
        conn: ConnectionT_contra,
        stream_id: str,
        initial: S,
        evolve: Callable[[S, BaseModel], S],
    ) -> tuple[S, int]: ...
