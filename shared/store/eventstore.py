"""The event store of one service on PostgreSQL (architecture.md §5).

Append with an expected version; a conflicting write raises :class:`ConcurrencyError`,
never merges. Every appended event gets an outbox row in the same transaction, so the
relay (outbox.py) publishes exactly what committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, NoReturn, TypeVar

import asyncpg
from asyncpg.connection import LoggedQuery
from pydantic import BaseModel, ValidationError

from shared.events.envelope import Envelope, EnvelopeWithEvent, new_event_id, utc_now
from shared.events.personal import WIRE_PREFIX
from shared.events.registry import EventRegistry
from shared.events.registry import registry as default_registry
from shared.privacy.protect import Protector, open_envelope
from shared.store.types import Connection

# Kept for processes outside this one: a LISTEN on this channel still wakes the relay, but
# appends no longer NOTIFY. PostgreSQL serialises the commits of every notifying
# transaction (a database-wide lock held through the WAL flush), which would undo the
# concurrency of appends; a relay in the same process is woken on commit instead
# (:func:`on_commit_of_appends`).
OUTBOX_CHANNEL = "asist_outbox"

S = TypeVar("S")
# A long read of decoded events lets the event loop run after this many (read_all_decoded).
PAUSE_EVERY = 200


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


class DecodedEvent(NamedTuple):
    """A stored event with its ``data`` as the typed event of the newest version (a tuple:
    a replay makes thousands a second, and a frozen dataclass is several times slower to
    make)."""

    position: int
    envelope: Envelope
    event: BaseModel


def fold_stream(
    envelopes: Iterable[Envelope],
    decode: Callable[[Envelope], BaseModel],
    initial: S,
    evolve: Callable[[S, BaseModel], S],
) -> tuple[S, int]:
    """A stream's envelopes folded into state, with the version for the next append (both
    event stores load through this)."""
    state, version = initial, 0
    for envelope in envelopes:
        state, version = evolve(state, decode(envelope)), envelope.aggregateversion
    return state, version


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
            specversion="1.0",
            id=new_event_id(),
            source=f"/asist/{context.municipality}/{self.service}",
            type=spec.type,
            subject=stream_id,
            time=utc_now(),
            data=data.model_dump(mode="json"),
            municipality=context.municipality,
            aggregateversion=version,
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
        One statement, one round trip: lock the stream, check the version, insert the events
        and their outbox rows. Only this stream is locked until commit, so appends of other
        streams commit side by side (docs/backbone.md "Positions and readers").
        """
        if not events:
            return []
        envelopes = [
            self.envelope(stream_id, expected_version + i, data, context)
            for i, data in enumerate(events, start=1)
        ]
        # Sealed before the statement: a new person's key is a round trip to NATS (issue #9).
        stored = envelopes
        if self.protector is not None:
            stored = [await self.protector.seal(e) for e in envelopes]
        in_transaction = conn.is_in_transaction()
        arguments = (
            stream_id,
            context.municipality,
            [e.aggregateversion for e in envelopes],
            [e.id for e in envelopes],
            [e.type for e in envelopes],
            [e.to_json().decode() for e in stored],
            expected_version,
            [e.nats_subject for e in envelopes],
        )
        try:
            # Inside a transaction a conflict must not abort the caller's transaction, so the
            # insert skips conflicting rows; alone, the statement is its own transaction and a
            # unique violation leaves nothing behind.
            row = await conn.fetchrow(
                _APPEND_IN_TRANSACTION if in_transaction else _APPEND_ALONE, *arguments
            )
        except asyncpg.UniqueViolationError:
            raise ConcurrencyError(
                stream_id, expected_version, await self.current_version(conn, stream_id)
            ) from None
        assert row is not None
        positions: list[int] = list(row["positions"])
        if len(positions) != len(envelopes):
            await self._refuse(conn, stream_id, expected_version, row, positions)
        if in_transaction:
            _wake_relays_after_commit(conn)
        else:
            _wake_relays()
        return envelopes

    async def _refuse(
        self,
        conn: Connection,
        stream_id: str,
        expected_version: int,
        verdict: asyncpg.Record,
        positions: list[int],
    ) -> NoReturn:
        """Undo a partly inserted append (a concurrent writer took some versions) and raise."""
        if positions:
            await conn.execute("delete from outbox where position = any($1::bigint[])", positions)
            await conn.execute("delete from events where position = any($1::bigint[])", positions)
        actual = verdict["actual"]
        if actual == expected_version:
            actual = await self.current_version(conn, stream_id)
        raise ConcurrencyError(stream_id, expected_version, actual)

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
        *,
        wait_for_running: bool = True,
    ) -> list[RecordedEvent]:
        """Events after the one at ``after_position`` (0: from the start), in commit-safe order.

        The order is (transaction id, position): positions are taken at insert and may commit
        out of order; transaction ids order whole transactions. Only events of transactions
        older than the oldest one of this database still running are returned, so an event
        that commits later always sorts after everything already returned: a reader that
        passes the position of the last event it saw never skips one; it waits for a long
        transaction instead (docs/backbone.md "Positions and readers").

        ``wait_for_running=False`` returns every event this statement sees, for a reader that
        has locked the writers out and wants all that committed (a rebuild under TRUNCATE's
        lock would otherwise stop before a committed event that follows a blocked writer).
        """
        rows = await _read_rows(conn, after_position, limit, municipality, wait_for_running)
        return [RecordedEvent(r["position"], await self._open(r["envelope"])) for r in rows]

    async def read_all_decoded(
        self,
        conn: Connection,
        after_position: int = 0,
        limit: int = 1000,
        *,
        wait_for_running: bool = True,
    ) -> list[DecodedEvent]:
        """:meth:`read_all` with each event decoded (a replay's read, issue #14).

        An event of the newest version with no sealed field is parsed once, envelope and
        typed ``data`` together (``EventRegistry.with_event``); one with sealed fields is
        opened first and one of an older version upcast (:meth:`decode`), as before.
        """
        decoded = []
        rows = await _read_rows(conn, after_position, limit, None, wait_for_running)
        for n, (position, raw, event_type) in enumerate(rows):
            parsed = _with_event(self.registry.with_event(event_type), raw)
            if parsed is not None:
                decoded.append(DecodedEvent(position, parsed, parsed.event))
            else:
                envelope = await self._open(raw)
                decoded.append(DecodedEvent(position, envelope, self.decode(envelope)))
            if n % PAUSE_EVERY == PAUSE_EVERY - 1:
                # Parsing a batch takes tens of milliseconds: let the other tasks of the loop
                # run meanwhile (a rebuild sends the previous batch's statements).
                await asyncio.sleep(0)
        return decoded

    async def _open(self, raw: str | dict[str, object]) -> Envelope:
        envelope = _envelope(raw)
        if isinstance(raw, str) and WIRE_PREFIX not in raw:
            return envelope  # no sealed field: nothing to open (a search of the raw text)
        return await open_envelope(self.protector, envelope)

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
        return fold_stream(await self.read_stream(conn, stream_id), self.decode, initial, evolve)


async def _read_rows(
    conn: Connection,
    after_position: int,
    limit: int,
    municipality: str | None,
    wait_for_running: bool,
) -> list[asyncpg.Record]:
    """(position, envelope text, event type) of the events ``read_all`` returns."""
    rows = await conn.fetch(
        _READ_ALL_SQL.format(horizon=_HORIZON if wait_for_running else _NO_HORIZON),
        after_position,
        limit,
        municipality,
    )
    if not rows and after_position > 0:
        known = await conn.fetchval("select true from events where position = $1", after_position)
        if not known:
            raise ValueError(f"no event at position {after_position} to read after")
    return rows


# One statement per append. It first takes the stream's lock (until commit: a command that
# reloads after a conflict cannot be overtaken again; other streams are not held up), then
# checks the version and inserts the events and their outbox rows together, in version
# order. The statement's snapshot predates the lock, so a version committed meanwhile shows
# up as an insert conflict, not in the check: both end in ConcurrencyError.
#
# Each event records the writer's transaction id, or the one recorded for the stream's
# previous event if that is larger (a transaction may have taken its id before a younger one
# appended to the stream and committed): readers order by (transaction_id, position), and
# per stream that order must be version order. An uncommitted event still records an id at
# or above its own transaction's, which is all the readers' horizon needs (read_all).
_APPEND_SQL = """
with stream_lock as (
    select pg_advisory_xact_lock({lock_namespace}, hashtext($1))
), head as (
    select version, transaction_id from events
    where stream_id = $1 order by version desc limit 1
), verdict as (
    select (select true from stream_lock) as locked,  -- first: before head is read
           coalesce((select version from head), 0) as actual,
           greatest(pg_current_xact_id(), (select transaction_id from head)) as transaction_id
), inserted as (
    insert into events
        (stream_id, version, event_id, event_type, municipality, envelope, transaction_id)
    select $1, u.v, u.id::uuid, u.t, $2, u.e::jsonb, verdict.transaction_id
    from unnest($3::int[], $4::text[], $5::text[], $6::text[]) as u(v, id, t, e), verdict
    where verdict.actual = $7
    order by u.v
    {on_conflict}
    returning position, version
), outboxed as (
    insert into outbox (position, subject)
    select i.position, s.subject
    from inserted i join unnest($3::int[], $8::text[]) as s(v, subject) on s.v = i.version
)
select actual, array(select position from inserted order by version) as positions
from verdict
"""
# The two-int form of advisory locks never meets the bigint form (relay, migrations).
STREAM_LOCK_NAMESPACE = 0x41534953  # "ASIS"
_APPEND_IN_TRANSACTION = _APPEND_SQL.format(
    lock_namespace=STREAM_LOCK_NAMESPACE,
    on_conflict="on conflict (stream_id, version) do nothing",
)
_APPEND_ALONE = _APPEND_SQL.format(lock_namespace=STREAM_LOCK_NAMESPACE, on_conflict="")


# The cursor is the (transaction id, position) of the event at $1; position 0 is the start.
_READ_ALL_SQL = """
with horizon as ({horizon}), cursor as (
    select coalesce((select transaction_id from events where position = $1), '0'::xid8) as xid
)
select e.position, e.envelope, e.event_type from events e, horizon h, cursor c
where e.transaction_id < h.xid
  and (e.transaction_id, e.position) > (c.xid, $1::bigint)
  and ($3::text is null or e.municipality = $3)
order by e.transaction_id, e.position
limit $2
"""
# The oldest transaction that may still commit events here: the oldest one this statement's
# snapshot sees running, leaving out those that run in another database (every service's
# database lives on one server, and xids are server-wide). A running xid whose backend has
# already gone is kept (it may be ours): that costs a wait of one read, never a skip.
_HORIZON = """
    select least(
        pg_snapshot_xmax(snapshot),
        (select min(running) from pg_snapshot_xip(snapshot) as running
         where not exists (
             select 1 from pg_stat_activity a
             where a.backend_xid = running::xid and a.datname <> current_database()))
    ) as xid
    from pg_current_snapshot() as snapshot
"""
_NO_HORIZON = "select '18446744073709551615'::xid8 as xid"  # the largest xid8


# Wake-up of the relay on commit, without NOTIFY (see OUTBOX_CHANNEL): relays of this process
# register a callback; an append asks its connection to report the end of its transaction.
_commit_listeners: set[Callable[[], None]] = set()


def on_commit_of_appends(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` whenever a transaction of this process that appended events ends.

    Returns the function that unregisters it. Also called after a rollback (harmless: the
    relay looks and finds nothing).
    """
    _commit_listeners.add(callback)
    return lambda: _commit_listeners.discard(callback)


def _wake_relays() -> None:
    for callback in list(_commit_listeners):
        callback()


def _wake_relays_after_commit(conn: Connection) -> None:
    if not _commit_listeners:
        return

    def on_query(query: LoggedQuery) -> None:
        # Called (soon) after each statement of this connection; the first one that ends
        # the transaction (COMMIT, ROLLBACK, or a pool reset) wakes the relays.
        ended = query.query.lstrip().upper().startswith(("COMMIT", "ROLLBACK", "END", "ABORT"))
        if ended or not conn.is_in_transaction():
            conn.remove_query_logger(on_query)
            _wake_relays()

    conn.add_query_logger(on_query)


def _with_event(
    model: type[EnvelopeWithEvent] | None, raw: str | dict[str, object]
) -> EnvelopeWithEvent | None:
    """The stored envelope and its event in one parse, or None where that does not apply:
    no such model (an older version), sealed fields to open first, or an envelope of before
    issue 18 (the general path renames its ``sequence``; any other error it raises too)."""
    if model is None or not isinstance(raw, str) or WIRE_PREFIX in raw:
        return None
    try:
        return model.model_validate_json(raw)
    except ValidationError:
        return None


def _envelope(raw: str | dict[str, object]) -> Envelope:
    # Parsed by pydantic-core straight from the text: no dict of Python objects in between.
    if isinstance(raw, str):
        return Envelope.model_validate_json(raw)
    return Envelope.model_validate(raw)
