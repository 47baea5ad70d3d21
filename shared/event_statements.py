"""One SQL statement whose arguments are fields of an event (issue #8).

Most of what a service learns from another service's event is one upsert or guarded
update with some of the event's fields as ``$1, $2, ...``. Declared as a
:class:`Statement`, that is a line of a table (the SQL and the field names) instead of a
handler written out each time; an enum goes in as its value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pydantic import BaseModel

from shared.events.envelope import Envelope
from shared.store.types import Connection


@dataclass(frozen=True)
class Statement:
    """``sql`` run with the event's ``fields`` (in order: $1, $2, ...)."""

    sql: str
    fields: tuple[str, ...]

    @classmethod
    def of(cls, sql: str, fields: str) -> Statement:
        """``fields``: the event's field names, separated by spaces."""
        return cls(sql, tuple(fields.split()))

    def arguments(self, event: BaseModel) -> list[object]:
        return [_plain(getattr(event, name)) for name in self.fields]

    async def run(self, conn: Connection, event: BaseModel) -> None:
        await conn.execute(self.sql, *self.arguments(event))

    async def __call__(self, conn: Connection, envelope: Envelope, event: BaseModel) -> None:
        """As a consumer's event handler (shared/bus/consumer.py ``EventHandler``)."""
        await self.run(conn, event)


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value
