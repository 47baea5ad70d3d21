"""An event store in memory: the same contract as the PostgreSQL one, in microseconds.

For domain and pipeline tests (issue #8): append with an expected version, read a stream,
read everything after a position, fold a stream into state, with the same envelopes, the
same ``ConcurrencyError`` and the same refusals as ``shared.store.eventstore.EventStore``
(both pass ``tests/contracts/event_store_contract.py``).

What it leaves out, on purpose: transactions (an append is committed when it returns, so
there is nothing to roll back and ``read_all`` never waits for a running writer), the
outbox (nothing to relay) and sealing of personal fields (nothing is stored outside the
process). Any ``conn`` is accepted and ignored, so code written for ``EventStorage`` runs
unchanged; ``None`` will do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel

from shared.events.envelope import Envelope
from shared.events.registry import EventRegistry
from shared.events.registry import registry as default_registry
from shared.store.eventstore import (
    ConcurrencyError,
    DecodedEvent,
    EventContext,
    EventStore,
    RecordedEvent,
    fold_stream,
)

S = TypeVar("S")


class MemoryEventStore:
    def __init__(self, service: str, registry: EventRegistry = default_registry) -> None:
        self.service = service
        self.registry = registry
        # Envelopes are made exactly as the PostgreSQL store makes them (ids, source,
        # subject, type); that part of it does no I/O.
        self._envelopes = EventStore(service, registry)
        self._log: list[RecordedEvent] = []  # every event, position = index + 1
        self._streams: dict[str, list[Envelope]] = {}

    async def current_version(self, conn: object, stream_id: str) -> int:
        return len(self._streams.get(stream_id, ()))

    async def append(
        self,
        conn: object,
        stream_id: str,
        expected_version: int,
        events: Sequence[BaseModel],
        context: EventContext,
    ) -> list[Envelope]:
        """Append ``events`` after ``expected_version`` (0 for a new stream).

        No ``await`` between the check and the append: within one event loop the two are
        atomic, as the stream's lock makes them on PostgreSQL.
        """
        if not events:
            return []
        envelopes = [
            self._envelopes.envelope(stream_id, expected_version + i, data, context)
            for i, data in enumerate(events, start=1)
        ]
        stream = self._streams.setdefault(stream_id, [])
        if len(stream) != expected_version:
            raise ConcurrencyError(stream_id, expected_version, len(stream))
        stream.extend(envelopes)
        last = len(self._log)
        self._log.extend(
            RecordedEvent(last + i, envelope) for i, envelope in enumerate(envelopes, start=1)
        )
        return envelopes

    async def read_stream(
        self, conn: object, stream_id: str, after_version: int = 0
    ) -> list[Envelope]:
        return self._streams.get(stream_id, [])[max(after_version, 0) :]

    async def read_all(
        self,
        conn: object,
        after_position: int = 0,
        limit: int = 1000,
        municipality: str | None = None,
        *,
        wait_for_running: bool = True,  # nothing runs uncommitted here: nothing to wait for
    ) -> list[RecordedEvent]:
        """Events after the one at ``after_position`` (0: from the start), in append order."""
        if after_position < 0 or after_position > len(self._log):
            raise ValueError(f"no event at position {after_position} to read after")
        later = self._log[after_position:]
        if municipality is not None:
            later = [r for r in later if r.envelope.municipality == municipality]
        return later[:limit]

    async def read_all_decoded(
        self,
        conn: object,
        after_position: int = 0,
        limit: int = 1000,
        *,
        wait_for_running: bool = True,
    ) -> list[DecodedEvent]:
        """:meth:`read_all` with each event decoded."""
        return [
            DecodedEvent(r.position, r.envelope, self.decode(r.envelope))
            for r in await self.read_all(conn, after_position, limit)
        ]

    def decode(self, envelope: Envelope) -> BaseModel:
        return self._envelopes.decode(envelope)

    async def load(
        self,
        conn: object,
        stream_id: str,
        initial: S,
        evolve: Callable[[S, BaseModel], S],
    ) -> tuple[S, int]:
        """Fold a stream into state; returns the state and its version for the next append."""
        return fold_stream(await self.read_stream(conn, stream_id), self.decode, initial, evolve)
