"""The event store against a real PostgreSQL (architecture.md §5)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from shared.store.db import database_dsn
from shared.store.eventstore import (
    ConcurrencyError,
    EventContext,
    EventStore,
)
from tests.conftest import Servers, create_database
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
    assert [e.aggregateversion for e in events] == [1]


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
    assert [e.aggregateversion for e in stream_b] == [1, 2]
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


# ---- appends that commit side by side (issue #14) ----------------------------------------


async def test_a_reader_waits_for_a_writer_held_open_rather_than_skipping_it(
    event_db: asyncpg.Pool,
) -> None:
    """The writer that took the first position stays open while later writers commit."""
    store = EventStore("probe", test_registry)
    async with event_db.acquire() as held, event_db.acquire() as reader:
        transaction = held.transaction()
        await transaction.start()
        await store.append(held, "held", 0, [Pinged(n=1)], CTX)
        async with event_db.acquire() as other:
            for n in (2, 3):  # commit while the first position is still uncommitted
                await store.append(other, f"later-{n}", 0, [Pinged(n=n)], CTX)
            assert await other.fetchval("select count(*) from events") == 2

        assert await store.read_all(reader) == [], "read past an uncommitted earlier event"
        await transaction.commit()
        seen = await store.read_all(reader)
    assert [r.envelope.data["n"] for r in seen] == [1, 2, 3]


async def test_an_event_that_commits_after_a_later_position_is_still_read_after_the_cursor(
    event_db: asyncpg.Pool,
) -> None:
    """Position order is not commit order: the older transaction takes the later position.

    Reading by position alone, the cursor would move past position 1 before it commits.
    """
    store = EventStore("probe", test_registry)
    async with (
        event_db.acquire() as older,
        event_db.acquire() as younger,
        event_db.acquire() as reader,
    ):
        older_tx, younger_tx = older.transaction(), younger.transaction()
        await older_tx.start()
        await older.fetchval("select pg_current_xact_id()")  # its id is taken first
        await younger_tx.start()
        first = await store.append(younger, "young", 0, [Pinged(n=1)], CTX)
        second = await store.append(older, "old", 0, [Pinged(n=2)], CTX)
        await older_tx.commit()

        batch = await store.read_all(reader)
        assert [r.envelope.id for r in batch] == [second[0].id]
        assert await store.read_all(reader, after_position=batch[0].position) == []

        await younger_tx.commit()
        rest = await store.read_all(reader, after_position=batch[0].position)
    assert [r.envelope.id for r in rest] == [first[0].id]
    assert rest[0].position < batch[0].position, "the case where position order misleads"


async def test_a_transaction_in_another_database_does_not_hold_the_reader_back(
    event_db: asyncpg.Pool, stack: Servers
) -> None:
    store = EventStore("probe", test_registry)
    elsewhere = await asyncpg.connect(
        database_dsn(stack.database_url, await create_database(stack))
    )
    try:
        async with elsewhere.transaction():
            await elsewhere.fetchval("select pg_current_xact_id()")  # older, still running
            async with event_db.acquire() as conn:
                await store.append(conn, "s", 0, [Pinged(n=1)], CTX)
                assert len(await store.read_all(conn)) == 1
    finally:
        await elsewhere.close()


async def test_without_waiting_a_reader_gets_every_committed_event(
    event_db: asyncpg.Pool,
) -> None:
    store = EventStore("probe", test_registry)
    async with event_db.acquire() as held, event_db.acquire() as conn, held.transaction():
        await store.append(held, "held", 0, [Pinged(n=1)], CTX)
        await store.append(conn, "committed", 0, [Pinged(n=2)], CTX)
        assert await store.read_all(conn) == []
        everything = await store.read_all(conn, wait_for_running=False)
        assert [r.envelope.data["n"] for r in everything] == [2]


async def test_an_older_transaction_appending_after_a_younger_one_reads_in_version_order(
    event_db: asyncpg.Pool,
) -> None:
    """Per stream, (transaction id, position) order must equal version order, even when the
    transaction that appends version 2 took its id before the one that committed version 1."""
    store = EventStore("probe", test_registry)
    async with event_db.acquire() as older, event_db.acquire() as younger:
        async with older.transaction():
            await older.fetchval("select pg_current_xact_id()")
            await store.append(younger, "s", 0, [Pinged(n=1)], CTX)  # commits at once
            await store.append(older, "s", 1, [Pinged(n=2)], CTX)
        assert [e.aggregateversion for e in await store.read_stream(older, "s")] == [1, 2]
        assert [r.envelope.aggregateversion for r in await store.read_all(older)] == [1, 2]


async def test_concurrent_commands_on_one_stream_wait_for_each_other_after_a_reload(
    event_db: asyncpg.Pool,
) -> None:
    """The stream's lock is held until commit: after one conflict and a reload, a writer is
    not overtaken again (what intake's command retries rely on)."""
    store = EventStore("probe", test_registry)
    attempts: list[int] = []

    async def command(n: int) -> None:
        async with event_db.acquire() as conn, conn.transaction():
            for attempt in (1, 2):
                version = await store.current_version(conn, "busy")
                await asyncio.sleep(0.01)  # decide: long enough for the others to read too
                try:
                    await store.append(conn, "busy", version, [Pinged(n=n)], CTX)
                except ConcurrencyError:
                    continue
                attempts.append(attempt)
                await asyncio.sleep(0.01)  # work after the append, still holding the stream
                return
            raise AssertionError("overtaken after a reload")

    await asyncio.gather(*(command(n) for n in range(6)))
    async with event_db.acquire() as conn:
        assert [e.aggregateversion for e in await store.read_stream(conn, "busy")] == [
            1,
            2,
            3,
            4,
            5,
            6,
        ]
    assert sorted(attempts)[0] == 1 and len(attempts) == 6


async def test_a_conflict_inside_a_transaction_leaves_no_partial_append(
    event_db: asyncpg.Pool,
) -> None:
    store = EventStore("probe", test_registry)
    async with event_db.acquire() as first, event_db.acquire() as second:
        await store.append(first, "s", 0, [Pinged(n=1)], CTX)
        second_tx = second.transaction()
        await second_tx.start()
        async with first.transaction():
            await store.append(first, "s", 1, [Pinged(n=2)], CTX)  # version 2, uncommitted
            # Expects version 1 too and wants versions 2..4: version 2 waits for `first`.
            attempt = asyncio.create_task(
                store.append(second, "s", 1, [Pinged(n=n) for n in (3, 4, 5)], CTX)
            )
            await asyncio.sleep(0.2)
            assert not attempt.done()
        # `first` committed: the waiting insert finds version 2 taken, 3 and 4 free.
        with pytest.raises(ConcurrencyError, match="is at version 2, the writer expected 1"):
            await attempt
        assert await second.fetchval("select count(*) from events") == 2  # still usable
        await second_tx.commit()
    async with event_db.acquire() as conn:
        assert [e.data["n"] for e in await store.read_stream(conn, "s")] == [1, 2]
        assert await conn.fetchval("select count(*) from outbox") == 2


async def test_reading_after_an_unknown_position_is_refused(event_db: asyncpg.Pool) -> None:
    store = EventStore("probe", test_registry)
    async with event_db.acquire() as conn:
        with pytest.raises(ValueError, match="no event at position 42"):
            await store.read_all(conn, after_position=42)
