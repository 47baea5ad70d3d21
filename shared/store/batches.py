"""Apply a projection to many events with a few statements instead of one per event (issue #14).

A projection stays written as "one event → its statements" (``await conn.execute(sql,
*args)``, nothing else); :func:`project_in_batches` runs it against a :class:`Recorder`
instead of the database, then sends the recorded statements as ``executemany`` groups.
The live path (one command's events) and a rebuild (thousands of events) run the same
projection code, which is what keeps a rebuild equal to the live tables (architecture.md §5).

Order. Events are split into *waves*: an event goes into the wave after the last earlier
event that shares a key with it (:func:`event_keys`: its stream and every ``*_id`` value
of its data). Events of one wave share no key, so they touch different rows and may be
applied in any order; every event still comes after each earlier event it shares a key
with. Within a wave the first statements of all events run first (grouped by SQL text),
then the second ones, so each event's own statements keep their order.

The rule this needs from a projection: a statement touches only rows named by the event's
own id fields (``where case_id = $1``, ``insert … (application_id, …)``), never rows
chosen otherwise (``update cases where municipality = …``), and it only writes (a
:class:`Recorder` cannot answer a query).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import operator
import re
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, Protocol

from pydantic import BaseModel

from shared.events.envelope import Envelope
from shared.store.eventstore import PAUSE_EVERY, EventStore
from shared.store.garbage import fewer_collections
from shared.store.truncate import truncate_all
from shared.store.types import Connection

Statement = tuple[str, tuple[Any, ...]]
# A group at least this large of a plain insert goes through COPY (see _as_copy).
COPY_FROM = 16
Projection = Callable[[Any, Envelope, BaseModel], Awaitable[None]]


class Recorder:
    """Stands in for the connection while a projection runs: keeps its statements."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []

    async def execute(self, query: str, *args: Any) -> str:
        self.statements.append((query, args))
        return ""

    def __getattr__(self, name: str) -> Any:
        raise TypeError(
            f"a projection applied in batches may only execute statements, not call {name!r}"
        )


def event_keys(envelope: Envelope, event: BaseModel) -> set[Hashable]:
    """What an event's statements may touch: its stream and each id it carries (the value,
    in its ``data``, of each ``*_id`` field of its model: a projection sees no other)."""
    keys: set[Hashable] = {("stream", envelope.subject)}
    data = envelope.data
    for name in _id_fields(type(event)):
        value = data.get(name)
        if isinstance(value, str | int):
            keys.add((name, str(value)))
    return keys


@functools.cache
def _id_fields(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name in model.model_fields if name.endswith("_id"))


def waves(keyed: Sequence[tuple[set[Hashable], list[Statement]]]) -> list[list[list[Statement]]]:
    """The events' statement lists in waves (see the module's docstring), in order."""
    last_wave: dict[Hashable, int] = {}
    result: list[list[list[Statement]]] = []
    for keys, statements in keyed:
        wave = 0  # the wave after the latest one holding any of its keys
        for key in keys:
            earlier = last_wave.get(key)
            if earlier is not None and earlier >= wave:
                wave = earlier + 1
        for key in keys:
            last_wave[key] = wave
        if wave == len(result):
            result.append([])
        result[wave].append(statements)
    return result


def grouped(wave: list[list[Statement]]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """One wave's statements as (SQL, argument rows): step by step, then by SQL text."""
    groups: list[tuple[str, list[tuple[Any, ...]]]] = []
    for step in range(max((len(s) for s in wave), default=0)):
        by_sql: dict[str, list[tuple[Any, ...]]] = {}
        for statements in wave:
            if step < len(statements):
                query, args = statements[step]
                by_sql.setdefault(query, []).append(args)
        groups.extend(by_sql.items())
    return groups


Plan = list[tuple[str, list[tuple[Any, ...]]]]  # (SQL, argument rows), in the order to send


async def planned(
    project: Projection, events: Iterable[tuple[Envelope, BaseModel]], *, pause: bool = False
) -> Plan:
    """The statement groups that apply ``project`` to ``events`` (in their order): what
    :func:`project_in_batches` sends. Only CPU; with ``pause`` it lets the event loop run
    every ``PAUSE_EVERY`` events, so a replay sends the previous batch meanwhile."""
    keyed = []
    for n, (envelope, event) in enumerate(events):
        recorder = Recorder()
        await project(recorder, envelope, event)
        if recorder.statements:
            keyed.append((event_keys(envelope, event), recorder.statements))
        if pause and n % PAUSE_EVERY == PAUSE_EVERY - 1:
            await asyncio.sleep(0)
    return [group for wave in waves(keyed) for group in grouped(wave)]


async def sent(conn: Connection, plan: Plan) -> int:
    """Send ``plan``'s groups in order; returns the database round trips it took (a group
    of one is a plain ``execute``, more is one ``executemany``, or a COPY: :func:`_as_copy`)."""
    for query, rows in plan:
        copy = _as_copy(query) if len(rows) >= COPY_FROM else None
        if copy is not None:
            table, columns, picks = copy
            records = list(map(_picker(picks), rows))
            await conn.copy_records_to_table(table, records=records, columns=columns)
        elif len(rows) == 1:
            await conn.execute(query, *rows[0])
        else:
            await conn.executemany(query, rows)
    return len(plan)


async def project_in_batches(
    conn: Connection,
    project: Projection,
    events: Iterable[tuple[Envelope, BaseModel]],
) -> int:
    """Apply ``project`` to ``events`` (in their order) with one statement per group.

    Returns the number of database round trips it took.
    """
    return await sent(conn, await planned(project, events))


_PLAIN_INSERT = re.compile(
    r"\s*insert\s+into\s+(?P<table>\w+)\s*\((?P<columns>[\w\s,]+)\)\s*"
    r"values\s*\((?P<values>[$\w\s,:]+)\)\s*",
    re.IGNORECASE,
)
_PARAMETER = re.compile(r"\$(\d+)(?:::\w+)?")
_copies: dict[str, tuple[str, list[str], list[int]] | None] = {}


def _as_copy(query: str) -> tuple[str, list[str], list[int]] | None:
    """(table, columns, argument index of each column) for an insert that only names a
    parameter per column (``insert into t (a, b) values ($1, $2::jsonb)``), else None.

    Binary COPY writes such rows several times faster than executemany's statement per
    row, with the same rows, constraints and row triggers; anything else (a constant, an
    expression, ``on conflict``, ``returning``) is not recognised and runs as written.
    """
    if query in _copies:
        return _copies[query]
    found = None
    match = _PLAIN_INSERT.fullmatch(query)
    if match is not None:
        columns = [c.strip() for c in match["columns"].split(",")]
        values = [v.strip() for v in match["values"].split(",")]
        parameters = [_PARAMETER.fullmatch(v) for v in values]
        if len(columns) == len(values) and all(parameters):
            picks = [int(p[1]) - 1 for p in parameters if p is not None]
            found = (match["table"], columns, picks)
    _copies[query] = found
    return found


def _picker(picks: list[int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """The function giving ``(args[picks[0]], args[picks[1]], …)`` of a statement's
    arguments: a COPY record (itemgetter, in C; one pick gives a value, not a tuple)."""
    if len(picks) == 1:
        only = picks[0]
        return lambda args: (args[only],)
    return operator.itemgetter(*picks)


async def replay(
    conn: Connection,
    store: EventStore,
    project: Projection,
    batch_size: int = 2000,
    *,
    reader: Connection | None = None,
) -> int:
    """Apply ``project`` to every event of ``store``, in commit order; returns the count.

    For a rebuild, in its transaction, after it emptied the read models under an exclusive
    lock: so it reads everything that committed (``wait_for_running=False``), since a
    writer blocked on that lock would otherwise hold the readers' horizon below events
    that already committed (docs/backbone.md "Positions and readers").

    With a second connection ``reader`` (outside the transaction: the event store is
    append-only and it reads only what committed, as ``conn`` would), the next batch is
    read, parsed and planned (its statements recorded) while ``conn`` sends the current
    one: the Python work of one batch overlaps PostgreSQL's work on the other. Batches
    are still applied one after the other, in order; planning only records statements.
    """
    pause = reader is not None

    async def prepare(after: int) -> tuple[int, int, Plan] | None:
        """(last position, events, plan) of the batch after ``after``; None at the end."""
        events = await store.read_all_decoded(
            reader or conn, after, batch_size, wait_for_running=False
        )
        if not events:
            return None
        plan = await planned(project, ((e.envelope, e.event) for e in events), pause=pause)
        return events[-1].position, len(events), plan

    replayed = 0
    with fewer_collections():
        batch = await prepare(0)
        while batch is not None:
            last, count, plan = batch
            ahead = asyncio.ensure_future(prepare(last)) if reader is not None else None
            try:
                await sent(conn, plan)
            except BaseException:
                if ahead is not None:
                    ahead.cancel()
                    with contextlib.suppress(BaseException):
                        await ahead
                raise
            replayed += count
            batch = await ahead if ahead is not None else await prepare(last)
    return replayed


class Rebuild(Protocol):
    """A service's rebuild of its read models (``python -m services.<service>.rebuild``)."""

    async def __call__(
        self,
        conn: Connection,
        store: EventStore,
        batch_size: int = 2000,
        *,
        reader: Connection | None = None,
    ) -> int: ...


def rebuilding(tables: Sequence[str], project: Projection) -> Rebuild:
    """The rebuild that empties ``tables`` and :func:`replay` s every stored event into them
    through ``project``; it returns the count.

    One transaction: readers see the old rows until the new ones commit. The tables are
    locked first, all together (shared/store/truncate.py), so a writer that already
    projected has committed (its events are read), and one still running waits and then
    projects onto the rebuilt rows.
    ``reader``: a second connection that reads ahead (:func:`replay`).
    """

    async def rebuild(
        conn: Connection,
        store: EventStore,
        batch_size: int = 2000,
        *,
        reader: Connection | None = None,
    ) -> int:
        async with conn.transaction():
            await truncate_all(conn, tables)  # all locks at once: no deadlock with writers
            return await replay(conn, store, project, batch_size, reader=reader)

    return rebuild
