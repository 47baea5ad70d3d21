"""One SQL statement whose arguments come from an event (issue #8).

Most events change one row in one way: they insert a row, or set some columns of the row
their ids name; most of what a service learns from another service's event is one upsert
or guarded update with some of the event's fields. Such a projection or handler is a
:class:`RowStatement`, a line of a table instead of a function per event spelling out SQL
and arguments:

- written out, with the event's field names as ``$1, $2, …``: ``RowStatement.of(sql,
  "case_id resumed_on")`` (payments' ``upstream.py``, timesheets' ``grants/projection.py``);
- made from the columns and where each value comes from: :func:`insert` and :func:`update`
  (decisions' ``read_models/projections.py``). Every value is a parameter (constants too),
  so an insert is plain enough for the COPY of a rebuild (shared/store/batches.py).

A statement is itself an event handler (``statement(conn, envelope, event)``); an enum
goes in as its value. :func:`projection_by_type` applies each event by the projection
registered for its type (payments' ``projections.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from shared.aggregate import ByType
from shared.events.envelope import Envelope
from shared.store.types import Connection

# Where a value comes from: the event's field of that (dotted) name, or a function of the
# envelope and the event.
Source = str | Callable[[Envelope, Any], object]
Projector = Callable[[Connection, Envelope, Any], Awaitable[None]]


@dataclass(frozen=True)
class RowStatement:
    sql: str
    sources: tuple[Source, ...]  # of $1, $2, …

    @classmethod
    def of(cls, sql: str, fields: str) -> RowStatement:
        """``sql`` with the event's ``fields`` (names separated by spaces) as $1, $2, …"""
        return cls(sql, tuple(fields.split()))

    @property
    def fields(self) -> tuple[str, ...]:
        """The event's fields it takes (a dotted name: its first part)."""
        return tuple(s.split(".")[0] for s in self.sources if isinstance(s, str))

    def arguments(self, envelope: Envelope, event: Any) -> list[object]:
        return [_value(source, envelope, event) for source in self.sources]

    async def __call__(self, conn: Connection, envelope: Envelope, event: Any) -> None:
        """Run it: as a projection, or a consumer's event handler (shared/bus/consumer.py)."""
        await conn.execute(self.sql, *self.arguments(envelope, event))


def insert(table: str, **columns: Source) -> RowStatement:
    """``insert into table (<columns>) values ($1, …)``."""
    places = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    return RowStatement(
        f"insert into {table} ({', '.join(columns)}) values ({places})", tuple(columns.values())
    )


def update(table: str, keys: Sequence[str], *fixed: str, **columns: Source) -> RowStatement:
    """``update table set <fixed>, <column> = $n, … where <key> = $n and …``.

    ``keys``: the row, by columns named like the event's fields (``case_id``); ``fixed``:
    assignments that take nothing from the event (``overdue = true``, a counter).
    """
    first = len(keys) + 1
    sets = [*fixed, *(f"{column} = ${n}" for n, column in enumerate(columns, start=first))]
    where = " and ".join(f"{key} = ${n}" for n, key in enumerate(keys, start=1))
    return RowStatement(
        f"update {table} set {', '.join(sets)} where {where}", (*keys, *columns.values())
    )


def same(*names: str) -> dict[str, Source]:
    """Columns named like the event's fields they take."""
    return {name: name for name in names}


def constant(value: object) -> Source:
    return lambda _envelope, _event: value


def envelope_municipality(envelope: Envelope, _event: Any) -> object:
    """For events that do not carry their municipality themselves."""
    return envelope.municipality


def applies(statements: Sequence[RowStatement]) -> Projector:
    """The projection that executes ``statements`` in order."""

    async def project(conn: Connection, envelope: Envelope, event: Any) -> None:
        for statement in statements:
            await statement(conn, envelope, event)

    return project


def projection_by_type(projectors: ByType[Projector] | Mapping[type[Any], Projector]) -> Projector:
    """The projection that applies each event by the function ``projectors`` holds for its
    type (issue #8: one per event; a registry, or a dict where one module lists them all);
    an event with none is one the read models do not show."""

    async def project(conn: Connection, envelope: Envelope, event: Any) -> None:
        projector = projectors.get(type(event))
        if projector is not None:
            await projector(conn, envelope, event)

    return project


def _value(source: Source, envelope: Envelope, event: Any) -> object:
    if callable(source):
        value = source(envelope, event)
    else:
        value = event
        for name in source.split("."):
            value = getattr(value, name)
    # A text column takes an enum's value (asyncpg binds a plain string).
    return value.value if isinstance(value, Enum) else value
