"""The one command pipeline of every service (issue #8): load, decide, append, project.

A service describes each aggregate once (:class:`Aggregate` of shared/aggregate.py: the
prefix of its streams, its initial state, ``evolve``) and writes its rules as a pure
``decide(state) -> events``; :func:`execute` does the rest the same way everywhere. It runs on any
:class:`~shared.store.protocol.EventStorage`: PostgreSQL in the services, the in-memory
store in the pipeline's unit tests. Over HTTP, ``shared/http/commands.py`` wraps it in the
command's transaction and its Idempotency-Key.

One concurrency policy for all (architecture.md §5): **optimistic append, retried**. The
stream is read without a lock, ``decide`` runs on what was read, and the append carries the
version read; if another command committed to the stream in between, the store raises
``ConcurrencyError`` and the whole load/decide/append runs again on the new state, up to
``ATTEMPTS`` times, after which the ``ConcurrencyError`` propagates (HTTP: 409, "reload and
try again", by the shared problem handlers). ``decide`` must therefore be pure: it may run
more than once. On PostgreSQL a conflicting append raises before it writes anything and
then holds the stream's lock until commit, so after one reload nobody can slip in again;
the further attempts are a safety margin.

A service whose events need more than ``decide`` gives them between ``decide`` and the append
(``prepare``: e.g. decisions' register numbers, a gapless counter row, and the act stored as
issued, on the same connection). On a connection that has transactions (asyncpg's),
``prepare`` and the append run in a savepoint, so a conflicting append undoes what
``prepare`` wrote and the retry starts clean (a number taken by a failed attempt is given
back, not skipped). What follows the append is ``project``'s, as for every command.

Municipalities share a service's database: a stream whose first event belongs to another
municipality than the command's is loaded as the initial state (at its real version), so
the command is refused as if nothing existed there and never learns that the id is taken
elsewhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from shared.aggregate import Aggregate, Decide
from shared.events.envelope import Envelope
from shared.store.eventstore import ConcurrencyError, EventContext
from shared.store.protocol import EventStorage

S = TypeVar("S")
ConnectionT = TypeVar("ConnectionT")
__all__ = [
    "ATTEMPTS",
    "Aggregate",
    "Decide",
    "Outcome",
    "Prepare",
    "Projection",
    "execute",
    "load",
]

ATTEMPTS = 3

Projection = Callable[[Any, Sequence[tuple[Envelope, BaseModel]]], Awaitable[None]]
"""Writes the read models of newly appended events, on the command's connection (and so in
its transaction): e.g. a service's ``project_many``."""

Prepare = Callable[[Any, Any, list[BaseModel]], Awaitable[list[BaseModel]]]
"""``prepare(conn, state, events) -> events``: what the decided events still need from the
database before they are appended (the state is the one ``decide`` saw), on the command's
connection; it runs again on every attempt. What it writes is undone with a conflicting
append where the connection has savepoints (module docstring)."""


@runtime_checkable
class _Savepoints(Protocol):
    """A connection whose ``transaction()`` nested in a transaction is a savepoint (asyncpg)."""

    def transaction(self) -> AbstractAsyncContextManager[Any]: ...


def _attempt_scope(conn: object, prepare: Prepare | None) -> AbstractAsyncContextManager[Any]:
    """A savepoint around ``prepare`` and the append; none is needed without ``prepare``
    (a conflicting append writes nothing)."""
    if prepare is not None and isinstance(conn, _Savepoints):
        return conn.transaction()
    return contextlib.nullcontext()


@dataclass(frozen=True)
class Outcome(Generic[S]):
    """What a command did: the state before and after it, its events and their envelopes
    (empty when ``decide`` returned none), and the stream's version after it."""

    before: S
    state: S
    events: list[BaseModel]
    envelopes: list[Envelope]
    version: int


async def load(
    store: EventStorage[ConnectionT],
    conn: ConnectionT,
    aggregate: Aggregate[S],
    stream_id: str,
    municipality: str,
) -> tuple[S, int]:
    """The aggregate's state and the version to append after; another municipality's
    stream looks empty (its version is kept, so an append to it conflicts)."""
    envelopes = await store.read_stream(conn, stream_id)
    if not envelopes:
        return aggregate.initial, 0
    version = envelopes[-1].aggregateversion
    if envelopes[0].municipality != municipality:
        return aggregate.initial, version
    state = aggregate.fold(aggregate.initial, [store.decode(e) for e in envelopes])
    return state, version


async def execute(
    store: EventStorage[ConnectionT],
    conn: ConnectionT,
    context: EventContext,
    aggregate: Aggregate[S],
    stream_id: str,
    decide: Decide[S],
    *,
    prepare: Prepare | None = None,
    project: Projection | None = None,
    new_stream: bool = False,
    attempts: int = ATTEMPTS,
) -> Outcome[S]:
    """Load ``stream_id``, ``decide`` on its state, ``prepare`` the events, append them with
    the version read and project them, retrying the whole of it on a version conflict
    (module docstring).

    ``new_stream``: the id was made for this command (e.g. a UUIDv7 of the request), so the
    first attempt skips the read; should the stream exist anyway, the append conflicts and
    the retry reads it. A ``DomainError`` from ``decide`` propagates with nothing appended.
    """
    for attempt in range(1, attempts + 1):
        if attempt == 1 and new_stream:
            state, version = aggregate.initial, 0
        else:
            state, version = await load(store, conn, aggregate, stream_id, context.municipality)
        events = decide(state)
        if not events:
            return Outcome(state, state, [], [], version)
        try:
            async with _attempt_scope(conn, prepare):
                if prepare is not None:
                    events = await prepare(conn, state, events)
                envelopes = await store.append(conn, stream_id, version, events, context)
        except ConcurrencyError:
            if attempt == attempts:
                raise
            continue
        if project is not None:
            await project(conn, list(zip(envelopes, events, strict=True)))
        after = aggregate.fold(state, events)
        return Outcome(state, after, list(events), envelopes, envelopes[-1].aggregateversion)
    raise ValueError(f"attempts must be at least 1, not {attempts}")
