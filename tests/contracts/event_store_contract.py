"""One contract for every event store (issue #8; architecture.md §5): what a caller may rely
on, whichever store it is given.

Run on PostgreSQL's ``EventStore`` (``tests/integration/test_event_store_contract.py``) and
on ``MemoryEventStore`` (``tests/unit/test_memory_event_store.py``): a subclass of
:class:`EventStoreContract` provides the ``subject`` fixture. What only PostgreSQL has
(transactions, the outbox, commit-safe order under concurrent transactions) is tested in
``tests/integration/test_event_store.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel

from shared.events.registry import EventRegistry
from shared.store.eventstore import ConcurrencyError, EventContext
from shared.store.protocol import EventStorage

contract_registry = EventRegistry()


@contract_registry.register("probe")
class Noted(BaseModel):
    """An event of the store's own service."""

    n: int


@contract_registry.register("elsewhere")
class Foreign(BaseModel):
    """An event of another service: a store refuses to append it."""

    n: int


CTX = EventContext(
    municipality="daugavpils", correlation_id="corr-1", causation_id="cause-1", actor="test"
)
LUDZA = EventContext(municipality="ludza", correlation_id="corr-2")


@dataclass(frozen=True)
class Subject:
    """A store of service ``probe`` under test, and how to get a connection for it."""

    store: EventStorage[Any]
    connection: Callable[[], AbstractAsyncContextManager[Any]]


def stream() -> str:
    return f"s-{uuid.uuid4().hex[:8]}"


def numbers(events: list[Any]) -> list[int]:
    return [e.data["n"] for e in events]


class EventStoreContract:
    @pytest.fixture
    def subject(self) -> Subject:
        raise NotImplementedError("a subclass provides the store under test")

    async def test_a_new_stream_is_at_version_zero_and_loads_as_the_initial_state(
        self, subject: Subject
    ) -> None:
        async with subject.connection() as conn:
            assert await subject.store.current_version(conn, stream()) == 0
            assert await subject.store.read_stream(conn, stream()) == []
            assert await subject.store.load(conn, stream(), "initial", lambda s, e: s) == (
                "initial",
                0,
            )

    async def test_append_numbers_the_events_and_fills_their_envelopes(
        self, subject: Subject
    ) -> None:
        sid = stream()
        async with subject.connection() as conn:
            appended = await subject.store.append(conn, sid, 0, [Noted(n=1), Noted(n=2)], CTX)
            assert await subject.store.current_version(conn, sid) == 2
        assert [e.aggregateversion for e in appended] == [1, 2]
        first = appended[0]
        assert first.type == "lv.asist.probe.Noted.v1"
        assert first.source == "/asist/daugavpils/probe"
        assert first.subject == sid
        assert first.municipality == "daugavpils"
        assert (first.correlationid, first.causationid, first.actor) == (
            "corr-1",
            "cause-1",
            "test",
        )
        assert first.data == {"n": 1}
        assert first.id != appended[1].id
        assert first.time.tzinfo is not None

    async def test_read_stream_returns_what_was_appended_in_version_order(
        self, subject: Subject
    ) -> None:
        sid = stream()
        async with subject.connection() as conn:
            appended = await subject.store.append(conn, sid, 0, [Noted(n=1)], CTX)
            appended += await subject.store.append(conn, sid, 1, [Noted(n=2), Noted(n=3)], CTX)
            await subject.store.append(conn, stream(), 0, [Noted(n=9)], CTX)
            read = await subject.store.read_stream(conn, sid)
            later = await subject.store.read_stream(conn, sid, after_version=1)
        assert [e.id for e in read] == [e.id for e in appended]
        assert read == appended
        assert [e.aggregateversion for e in later] == [2, 3]

    async def test_a_stale_expected_version_is_a_conflict_and_appends_nothing(
        self, subject: Subject
    ) -> None:
        sid = stream()
        async with subject.connection() as conn:
            await subject.store.append(conn, sid, 0, [Noted(n=1), Noted(n=2)], CTX)
            with pytest.raises(
                ConcurrencyError, match=rf"'{sid}' is at version 2, the writer expected 1"
            ) as caught:
                await subject.store.append(conn, sid, 1, [Noted(n=3), Noted(n=4)], CTX)
            assert (caught.value.stream_id, caught.value.expected, caught.value.actual) == (
                sid,
                1,
                2,
            )
            with pytest.raises(ConcurrencyError, match="is at version 2, the writer expected 5"):
                await subject.store.append(conn, sid, 5, [Noted(n=3)], CTX)
            with pytest.raises(ConcurrencyError, match="is at version 2, the writer expected 0"):
                await subject.store.append(conn, sid, 0, [Noted(n=3)], CTX)
            assert numbers(await subject.store.read_stream(conn, sid)) == [1, 2]
            assert await subject.store.current_version(conn, sid) == 2

    async def test_a_new_stream_expected_at_a_later_version_is_a_conflict(
        self, subject: Subject
    ) -> None:
        sid = stream()
        async with subject.connection() as conn:
            with pytest.raises(ConcurrencyError, match="is at version 0, the writer expected 3"):
                await subject.store.append(conn, sid, 3, [Noted(n=1)], CTX)
            assert await subject.store.read_stream(conn, sid) == []

    async def test_of_two_writers_from_the_same_version_exactly_one_appends(
        self, subject: Subject
    ) -> None:
        sid = stream()

        async def writer(n: int) -> str:
            async with subject.connection() as conn:
                version = await subject.store.current_version(conn, sid)
                await asyncio.sleep(0.01)  # both have read version 0 before either appends
                try:
                    await subject.store.append(conn, sid, version, [Noted(n=n)], CTX)
                except ConcurrencyError:
                    return "conflict"
                return "ok"

        outcomes = await asyncio.gather(writer(1), writer(2))
        assert sorted(outcomes) == ["conflict", "ok"]
        async with subject.connection() as conn:
            assert [e.aggregateversion for e in await subject.store.read_stream(conn, sid)] == [1]

    async def test_appending_nothing_changes_nothing(self, subject: Subject) -> None:
        sid = stream()
        async with subject.connection() as conn:
            assert await subject.store.append(conn, sid, 0, [], CTX) == []
            assert await subject.store.current_version(conn, sid) == 0

    async def test_an_event_of_another_service_is_refused(self, subject: Subject) -> None:
        sid = stream()
        async with subject.connection() as conn:
            with pytest.raises(ValueError, match="belongs to elsewhere, not probe"):
                await subject.store.append(conn, sid, 0, [Foreign(n=1)], CTX)
            assert await subject.store.current_version(conn, sid) == 0

    async def test_read_all_reads_every_stream_after_a_position(self, subject: Subject) -> None:
        a, b = stream(), stream()
        async with subject.connection() as conn:
            await subject.store.append(conn, a, 0, [Noted(n=1)], CTX)
            await subject.store.append(conn, b, 0, [Noted(n=2), Noted(n=3)], LUDZA)
            await subject.store.append(conn, a, 1, [Noted(n=4)], CTX)
            everything = await subject.store.read_all(conn)
            after_first = await subject.store.read_all(conn, after_position=everything[0].position)
            two = await subject.store.read_all(conn, limit=2)
            rest = await subject.store.read_all(conn, after_position=two[-1].position)
            last = await subject.store.read_all(conn, after_position=everything[-1].position)
            ludza = await subject.store.read_all(conn, municipality="ludza")
        assert numbers([r.envelope for r in everything]) == [1, 2, 3, 4]
        positions = [r.position for r in everything]
        assert positions == sorted(positions) and len(set(positions)) == 4
        assert numbers([r.envelope for r in after_first]) == [2, 3, 4]
        assert numbers([r.envelope for r in two + rest]) == [1, 2, 3, 4]
        assert last == []
        assert numbers([r.envelope for r in ludza]) == [2, 3]
        assert {r.envelope.subject for r in ludza} == {b}

    async def test_read_all_after_a_position_it_never_gave_is_refused(
        self, subject: Subject
    ) -> None:
        # A reader's cursor from another database (a restored backup, a wrong service)
        # must not read as "nothing new". (Each subject starts empty; with events present,
        # PostgreSQL reads from the start instead, which no caller relies on.)
        async with subject.connection() as conn:
            with pytest.raises(ValueError, match="no event at position 42 to read after"):
                await subject.store.read_all(conn, after_position=42)

    async def test_load_folds_the_stream_and_gives_the_version_to_append_after(
        self, subject: Subject
    ) -> None:
        sid = stream()

        def total(state: int, event: BaseModel) -> int:
            assert isinstance(event, Noted)  # decoded to the registered model
            return state + event.n

        async with subject.connection() as conn:
            await subject.store.append(conn, sid, 0, [Noted(n=2), Noted(n=3)], CTX)
            state, version = await subject.store.load(conn, sid, 0, total)
            await subject.store.append(conn, sid, version, [Noted(n=5)], CTX)
            assert await subject.store.load(conn, sid, 0, total) == (10, 3)
        assert (state, version) == (5, 2)

    async def test_decode_gives_back_the_appended_model(self, subject: Subject) -> None:
        async with subject.connection() as conn:
            [envelope] = await subject.store.append(conn, stream(), 0, [Noted(n=7)], CTX)
        assert subject.store.decode(envelope) == Noted(n=7)

    async def test_read_all_decoded_gives_read_all_with_each_event_decoded(
        self, subject: Subject
    ) -> None:
        a, b = stream(), stream()
        async with subject.connection() as conn:
            await subject.store.append(conn, a, 0, [Noted(n=1), Noted(n=2)], CTX)
            await subject.store.append(conn, b, 0, [Noted(n=3)], LUDZA)
            records = await subject.store.read_all(conn)
            decoded = await subject.store.read_all_decoded(conn)
            after_first = await subject.store.read_all_decoded(
                conn, after_position=records[0].position, limit=1
            )
        assert [d.event for d in decoded] == [Noted(n=1), Noted(n=2), Noted(n=3)]
        assert [d.position for d in decoded] == [r.position for r in records]
        assert [d.envelope.to_json() for d in decoded] == [r.envelope.to_json() for r in records]
        assert [d.event for d in after_first] == [Noted(n=2)]
