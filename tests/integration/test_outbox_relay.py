"""The outbox relay against real PostgreSQL and JetStream (architecture.md §5)."""

from __future__ import annotations

import asyncio
import random
import warnings
from collections import defaultdict
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext

from shared.bus.provisioning import ensure_service_stream
from shared.store.db import SHARED_MIGRATIONS, apply_migrations, database_dsn
from shared.store.eventstore import ConcurrencyError, EventContext, EventStore
from shared.store.outbox import OutboxRelay
from tests.conftest import Servers, create_database
from tests.integration.backbone_support import Pinged, read_stream_messages, test_registry

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


def ctx(municipality: str) -> EventContext:
    return EventContext(municipality=municipality, correlation_id="stress")


async def test_concurrent_writers_reach_jetstream_exactly_once_in_stream_order(
    event_db: asyncpg.Pool, js: JetStreamContext
) -> None:
    await ensure_service_stream(js, "probe")
    store = EventStore("probe", test_registry)
    streams = [f"agg-{i}" for i in range(12)]
    writers, appends_per_writer = 16, 25
    stop = asyncio.Event()
    relay = OutboxRelay(event_db, js, batch_size=50, poll_seconds=0.05)
    relay_task = asyncio.create_task(relay.run(stop))

    async def writer(seed: int) -> int:
        rng = random.Random(seed)
        written = 0
        for _ in range(appends_per_writer):
            stream_id = rng.choice(streams)
            async with event_db.acquire() as conn:
                while True:
                    try:
                        async with conn.transaction():
                            version = await store.current_version(conn, stream_id)
                            batch = [Pinged(n=seed) for _ in range(rng.randint(1, 3))]
                            await asyncio.sleep(rng.random() / 500)  # widen the race
                            await store.append(
                                conn,
                                stream_id,
                                version,
                                batch,
                                ctx(rng.choice(["daugavpils", "ludza"])),
                            )
                            written += len(batch)
                        break
                    except ConcurrencyError:
                        continue
        return written

    total = sum(await asyncio.gather(*(writer(s) for s in range(writers))))
    received = await read_stream_messages(js, "PROBE", total)
    stop.set()
    await relay_task

    ids = [e.id for e in received]
    assert len(ids) == total, f"expected {total} messages on the bus, got {len(ids)}"
    assert len(set(ids)) == total, "an event reached JetStream twice"
    versions: dict[str, list[int]] = defaultdict(list)
    for envelope in received:
        versions[envelope.subject].append(envelope.aggregateversion)
    for stream_id, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), f"{stream_id} out of order: {seen[:20]}"
    async with event_db.acquire() as conn:
        assert await conn.fetchval("select count(*) from outbox where published_at is null") == 0


class RelayCrashed(RuntimeError):
    pass


async def test_relay_killed_between_publish_and_mark_neither_duplicates_nor_loses(
    event_db: asyncpg.Pool, js: JetStreamContext
) -> None:
    await ensure_service_stream(js, "probe")
    store = EventStore("probe", test_registry)
    async with event_db.acquire() as conn:
        for i in range(30):
            await store.append(conn, f"s-{i % 3}", i // 3, [Pinged(n=i)], ctx("ludza"))

    async def crash(positions: list[int]) -> None:
        raise RelayCrashed(f"killed after publishing {len(positions)}")

    crashing = OutboxRelay(event_db, js, batch_size=20, after_publish=crash)
    async with event_db.acquire() as conn:
        with pytest.raises(RelayCrashed):
            await crashing.publish_pending(conn)
        # Nothing was marked: the restarted relay publishes all 30 again, 20 of them repeats.
        assert await conn.fetchval("select count(*) from outbox where published_at is null") == 30
        restarted = OutboxRelay(event_db, js, batch_size=100)
        assert await restarted.publish_pending(conn) == 30

    received = await read_stream_messages(js, "PROBE", 30)
    assert len(received) == 30
    assert len({e.id for e in received}) == 30
    assert sorted(e.data["n"] for e in received) == list(range(30))
    info = await js.stream_info("PROBE")
    assert info.state.messages == 30


async def test_only_one_relay_publishes_when_replicas_run_two(
    event_db: asyncpg.Pool, js: JetStreamContext
) -> None:
    await ensure_service_stream(js, "probe")
    store = EventStore("probe", test_registry)
    stop = asyncio.Event()
    relays = [OutboxRelay(event_db, js, poll_seconds=0.05) for _ in range(2)]
    tasks = [asyncio.create_task(r.run(stop)) for r in relays]
    async with event_db.acquire() as conn:
        for i in range(20):
            await store.append(conn, "one", i, [Pinged(n=i)], ctx("daugavpils"))
    received = await read_stream_messages(js, "PROBE", 20)
    stop.set()
    await asyncio.gather(*tasks)
    assert [e.aggregateversion for e in received] == list(range(1, 21))
    assert sorted(r.published_total for r in relays) == [0, 20]


async def test_the_relay_wakes_on_the_commit_of_an_append_not_on_its_poll(
    event_db: asyncpg.Pool, js: JetStreamContext
) -> None:
    """Appends do not NOTIFY (it would serialise commits); the relay of the same process is
    woken when the appending transaction ends (issue #14)."""
    await ensure_service_stream(js, "probe")
    store = EventStore("probe", test_registry)
    stop = asyncio.Event()
    relay = OutboxRelay(event_db, js, poll_seconds=30.0)  # a poll would come far too late
    task = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(0.3)  # the relay has looked once and sleeps
        async with event_db.acquire() as conn:
            async with conn.transaction():
                await store.append(conn, "in-tx", 0, [Pinged(n=1)], ctx("ludza"))
                await asyncio.sleep(0.3)
                assert relay.published_total == 0, "published before the commit"
            started = loop_time()
            received = await read_stream_messages(js, "PROBE", 1, wait_seconds=5)
            assert [e.data["n"] for e in received] == [1]
            assert loop_time() - started < 2.0
            await store.append(conn, "alone", 0, [Pinged(n=2)], ctx("ludza"))  # no transaction
            received = await read_stream_messages(js, "PROBE", 2, wait_seconds=5)
            assert sorted(e.data["n"] for e in received) == [1, 2]
            assert loop_time() - started < 4.0
        # The connection goes back to the pool at once, before the end is reported.
        async with event_db.acquire() as conn, conn.transaction():
            await store.append(conn, "released", 0, [Pinged(n=3)], ctx("ludza"))
        received = await read_stream_messages(js, "PROBE", 3, wait_seconds=5)
        assert sorted(e.data["n"] for e in received) == [1, 2, 3]
        assert loop_time() - started < 6.0
    finally:
        stop.set()
        await task


async def test_a_connection_broken_under_the_relay_is_terminated_not_released_listening(
    stack: Servers, js: JetStreamContext
) -> None:
    """Seen in the fault suite (PostgreSQL killed under load): asyncpg warned that the relay's
    connection "is being released to the pool but has 1 active notification listener". A
    protocol error had aborted it without asyncpg's clean-up, and ``remove_listener`` does
    nothing on a closed connection; the relay now terminates such a connection."""
    opened: list[asyncpg.Connection[asyncpg.Record]] = []

    async def remember(conn: asyncpg.Connection[asyncpg.Record]) -> None:
        opened.append(conn)

    dsn = database_dsn(stack.database_url, await create_database(stack))
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1, init=remember)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, SHARED_MIGRATIONS)
        listening = asyncio.Event()
        stop = asyncio.Event()
        relay = OutboxRelay(pool, js, poll_seconds=0.05)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            task = asyncio.create_task(relay.run(stop, on_progress=listening.set))
            await asyncio.wait_for(listening.wait(), 10)
            # What asyncpg does on a protocol error (its _coreproto_error): the protocol is
            # aborted, the connection's clean-up (listeners, pool holder) does not run.
            relays_connection: Any = opened[-1]  # the pool's one; _protocol is not typed
            relays_connection._protocol.abort()
            with pytest.raises(asyncpg.InterfaceError, match="connection is closed"):
                await asyncio.wait_for(task, 10)
        assert [str(w.message) for w in caught if "listener" in str(w.message)] == []
        # The pool's one slot is free again, with a new connection.
        async with pool.acquire(timeout=5) as conn:
            assert await conn.fetchval("select 1") == 1
    finally:
        await pool.close()


def loop_time() -> float:
    return asyncio.get_running_loop().time()
