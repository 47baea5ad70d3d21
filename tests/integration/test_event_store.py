"""The event store against a real PostgreSQL (architecture.md §5)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from shared.store.eventstore import ConcurrencyError, EventContext, EventStore
from tests.integration.backbone_support import Pinged, test_registry

pytestmark = pytest.mark.integration

CTX = EventContext(municipality="daugavpils", correlation_id="corr-1", actor="test")


async def test_two_concurrent_writers_exactly_one_succeeds(event_db: asyncpg.Pool) -> None:
    store = EventStore("probe", test_registry)
    both_read = asyncio.Barrier(2)

    async def writer(n: int) -> str:
        async with event_db.acquire() as conn, conn.transaction():
            version = await store.current_version(conn, "case-1")
            await both_read.wait()  # both decided from version 0
            try:
                await store.append(conn, "case-1", version, [Pinged(n=n)], CTX)
            except ConcurrencyError:
                return "conflict"
            await asyncio.sleep(0.05)  # hold the transaction open while the other tries
            return "ok"

    outcomes = await asyncio.gather(writer(1), writer(2))
    assert sorted(outcomes) == ["conflict", "ok"]
    async with event_db.acquire() as conn:
        events = await store.read_stream(conn, "case-1")
    assert [e.sequence for e in events] == [1]


async def test_conflict_error_names_the_stream_and_versions(event_db: asyncpg.Pool) -> None:
    store = EventStore("probe", test_registry)
    async with event_db.acquire() as conn:
        await store.append(conn, "case-2", 0, [Pinged(n=1), Pinged(n=2)], CTX)
        with pytest.raises(
            ConcurrencyError, match=r"'case-2' is at version 2, the writer expected 1"
        ):
            await store.append(conn, "case-2", 1, [Pinged(n=3)], CTX)


async def test_read_stream_and_read_all_after_position(event_db: asyncpg.Pool) -> None:
    store = EventStore("probe", test_registry)
    async with event_db.acquire() as conn:
        await store.append(conn, "a", 0, [Pinged(n=1)], CTX)
        await store.append(conn, "b", 0, [Pinged(n=2), Pinged(n=3)], CTX)
        everything = await store.read_all(conn)
        after_first = await store.read_all(conn, after_position=everything[0].position)
        stream_b = await store.read_stream(conn, "b")
        state, version = await store.load(
            conn,
            "b",
            0,
            lambda total, e: total + e.n,  # type: ignore[attr-defined]
        )
    assert [r.envelope.data["n"] for r in everything] == [1, 2, 3]
    assert [r.envelope.data["n"] for r in after_first] == [2, 3]
    assert [e.sequence for e in stream_b] == [1, 2]
    assert stream_b[0].type == "lv.asist.probe.Pinged.v1"
    assert stream_b[0].source == "/asist/daugavpils/probe"
    assert (state, version) == (5, 2)


async def test_a_failed_transaction_leaves_neither_event_nor_outbox_row(
    event_db: asyncpg.Pool,
) -> None:
    store = EventStore("probe", test_registry)
    async with event_db.acquire() as conn:
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                await store.append(conn, "c", 0, [Pinged(n=1)], CTX)
                raise RuntimeError("handler failed after appending")
        assert await conn.fetchval("select count(*) from events") == 0
        assert await conn.fetchval("select count(*) from outbox") == 0
