"""An in-memory event store with a rival writer: another command commits to the stream right
before each of our next ``rivals`` appends, between our read and our append, where a
version conflict can happen (the pipeline's tests, shared/commands.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from pydantic import BaseModel

from shared.events.envelope import Envelope
from shared.store.eventstore import EventContext
from shared.store.memory import MemoryEventStore

# What the rival records on the stream: (the store, the stream) -> its events.
Rival = Callable[[MemoryEventStore, str], Awaitable[Sequence[BaseModel]]]


class RivalStore(MemoryEventStore):
    def __init__(self, service: str, rival: Rival, rivals: int = 0) -> None:
        super().__init__(service)
        self.rival = rival
        self.rivals = rivals

    async def append(
        self,
        conn: object,
        stream_id: str,
        expected_version: int,
        events: Sequence[BaseModel],
        context: EventContext,
    ) -> list[Envelope]:
        if self.rivals:
            self.rivals -= 1
            current = await self.current_version(conn, stream_id)
            await super().append(
                conn, stream_id, current, await self.rival(self, stream_id), context
            )
        return await super().append(conn, stream_id, expected_version, events, context)
