"""The event store of one service on PostgreSQL (architecture.md §5).

Append with an expected version; a conflicting write raises :class:`ConcurrencyError`,
never merges. Every appended event gets an outbox row in the same transaction, so the
relay (outbox.py) publishes exactly what committed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import asyncpg
from pydantic import BaseModel

from shared.events.envelope import Envelope, new_event_id, utc_now
from shared.events.registry import EventRegistry
from shared.events.registry import registry as default_registry
from shared.privacy.protect import Protector, open_envelope
from shared.store.types import Connection

# Taken by every append until commit: it makes the order of positions equal the order of
# commits. Without it, a transaction that took position 7 could commit after one that
# took position 8, and a reader that had already moved past 8 would skip 7 for ever.
APPEND_LOCK_KEY = 0x4153495354  # "ASIST"
OUTBOX_CHANNEL = "asist_outbox"

S = TypeVar("S")


class ConcurrencyError(RuntimeError):
    """Another writer changed the stream since it was read: reload, decide again, retry."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id!r} is at version {actual}, the writer expected {expected}"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class EventContext:
    """Who and what caused the events: copied into every envelope."""

    municipality: str
    correlation_id: str
    causation_id: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class RecordedEvent:
    position: int
    envelope: Envelope


class EventStore:
    def __init__(
        self,
        service: str,
        registry: EventRegistry = default_registry,
        protector: Protector | None = None,
    ) -> None:
        self.service = service
        self.registry = registry
        # Seals personal fields when stored, opens them when read (issue #9); the runtime
        # sets it. Callers only ever see clear envelopes.
        self.protector = protector

    def envelope(
        self, stream_id: str, version: int, data: BaseModel, context: EventContext
    ) -> Envelope:
        spec = self.registry.spec_of(type(data))
        if spec.service != self.service:
            raise ValueError(f"{spec.type} belongs to {spec.service}, not {self.service}")
        return Envelope(
            id=new_event_id(),
            source=f"/asist/{context.municipality}/{self.service}",
            type=spec.type,
            subject=stream_id,
            time=utc_now(),
            data=data.model_dump(mode="json"),
            municipality=context.municipality,
            sequence=version,
            correlationid=context.correlation_id,
            causationid=context.causation_id,
            actor=context.actor,
        )

    async def current_version(self, conn: Connection, stream_id: str) -> int:
        version = await conn.fetchval(
            "select coalesce(max(version), 0) from events where stream_id = $1", stream_id
        )
        return int(version)

    async def append(
        self,
        conn: Connection,
        stream_id: str,
        expected_version: int,
        events: Sequence[BaseModel],
        context: EventContext,
    ) -> list[Envelope]:
        """Append ``events`` after ``expected_version`` (0 for a new stream), with outbox rows.

        Call inside the caller's transaction when other effects must commit with the events.
        """
        if not events:
            return []
        if not conn.is_in_transaction():
            async with conn.transaction():
                return await self.append(conn, stream_id, expected_version, events, context)
        envelopes = [
            self.envelope(stream_id, expected_version + i, data, context)
            for i, data in enumerate(events, start=1)
        ]
        # Sealed before the append lock: a new person's key is a round trip to NATS.
        stored = envelopes
        if self.protector is not None:
            stored = [await self.protector.seal(e) for e in envelopes]
        await conn.execute("select pg_advisory_xact_lock($1)", APPEND_LOCK_KEY)
        actual = await self.current_version(conn, stream_id)
        if actual != expected_version:
            raise ConcurrencyError(stream_id, expected_version, actual)
        try:
            # A savepoint, so that after a conflict the caller's transaction is still usable.
            async with conn.transaction():
                positions = await conn.fetch(
                    "insert into events"
                    " (stream_id, version, event_id, event_type, municipality, envelope)"
                    " select $1, v, id::uuid, t, $2, e::jsonb"
                    " from unnest($3::int[], $4::text[], $5::text[], $6::text[]) as u(v, id, t, e)"
                    " order by v returning position",
                    stream_id,
                    context.municipality,
                    [e.sequence for e in envelopes],
                    [e.id for e in envelopes],
                    [e.type for e in envelopes],
                    [e.to_json().decode() for e in stored],
                )
        except asyncpg.UniqueViolationError:
            raise ConcurrencyError(
                stream_id, expected_version, await self.current_version(conn, stream_id)
            ) from None
        await conn.execute(
            "insert into outbox (position, subject) select * from unnest($1::bigint[], $2::text[])",
            [r["position"] for r in positions],
            [e.nats_subject for e in envelopes],
        )
        await conn.execute("select pg_notify($1, '')", OUTBOX_CHANNEL)
        return envelopes

    async def read_stream(
        self, conn: Connection, stream_id: str, after_version: int = 0
    ) -> list[Envelope]:
        rows = await conn.fetch(
            "select envelope from events where stream_id = $1 and version > $2 order by version",
            stream_id,
            after_version,
        )
        return [await self._open(r["envelope"]) for r in rows]

    async def read_all(
        self,
        conn: Connection,
        after_position: int = 0,
        limit: int = 1000,
        municipality: str | None = None,
    ) -> list[RecordedEvent]:
        rows = await conn.fetch(
            "select position, envelope from events where position > $1"
            " and ($3::text is null or municipality = $3) order by position limit $2",
            after_position,
            limit,
            municipality,
        )
        return [RecordedEvent(r["position"], await self._open(r["envelope"])) for r in rows]

    async def _open(self, raw: str | dict[str, object]) -> Envelope:
        return await open_envelope(self.protector, _envelope(raw))

    def decode(self, envelope: Envelope) -> BaseModel:
        return self.registry.decode(
            envelope.service, envelope.event_name, envelope.schema_version, envelope.data
        )

    async def load(
        self,
        conn: Connection,
        stream_id: str,
        initial: S,
        evolve: Callable[[S, BaseModel], S],
    ) -> tuple[S, int]:
        """Fold a stream into state; returns the state and its version for the next append."""
        state, version = initial, 0
        for envelope in await self.read_stream(conn, stream_id):
            state, version = evolve(state, self.decode(envelope)), envelope.sequence
        return state, version


def _envelope(raw: str | dict[str, object]) -> Envelope:
    return Envelope.model_validate(json.loads(raw) if isinstance(raw, str) else raw)
