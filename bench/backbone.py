"""Benchmark of the backbone: appends, relay, and the consumer against a raw FastStream baseline.

Prints figures; asserts nothing. Alone it starts its own NATS and PostgreSQL (durable
settings: fsync on) under .local/bench; ``python -m bench`` runs it with the others.

    .venv/bin/python -m bench.backbone [--scale 1.0]

The consumer is measured against a baseline taken in the same run, on the same messages:
a FastStream batch subscriber that inserts each fetched batch with one ``executemany`` and
acks it, with none of our machinery (no envelope parsing, no idempotency, no ordering).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated

import asyncpg
import nats
from faststream import AckPolicy, Context
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage
from pydantic import BaseModel

from bench.figures import Figure, Servers, fresh_database, scaled
from shared.bus.consumer import FASTSTREAM_LOG_LEVEL, ConsumerSettings, EventConsumer
from shared.bus.provisioning import (
    consumer_config,
    ensure_consumer,
    ensure_dead_letter_stream,
    ensure_service_stream,
)
from shared.events.envelope import Envelope
from shared.events.registry import EventRegistry
from shared.store.eventstore import EventContext, EventStore
from shared.store.outbox import OutboxRelay
from shared.store.types import Connection

bench_registry = EventRegistry()
BATCH = 200  # messages per fetch, for our consumer and the baseline alike
WRITERS = 8


@bench_registry.register("bench")
class Ticked(BaseModel):
    """A benchmark event."""

    n: int
    note: str


async def bench_appends(pool: asyncpg.Pool, events: int, writers: int, per_append: int) -> Figure:
    store = EventStore("bench", bench_registry)
    per_writer = max(1, events // writers // per_append)

    async def writer(w: int) -> None:
        async with pool.acquire() as conn:
            for i in range(per_writer):
                batch = [Ticked(n=i, note="x" * 40) for _ in range(per_append)]
                await store.append(
                    conn,
                    f"agg-{writers}-{per_append}-{w}",
                    i * per_append,
                    batch,
                    EventContext("ludza", "bench"),
                )

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    elapsed = time.perf_counter() - started
    total = per_writer * per_append * writers
    return Figure(
        f"append: {writers} writers, {per_append} event(s) per append", total / elapsed, "events/s"
    )


async def legacy_append(
    conn: Connection, store: EventStore, stream_id: str, expected: int, events: list[Ticked]
) -> None:
    """The append as it was before issue #14, kept here only as a baseline: a database-wide
    advisory lock held until commit, a round trip per step, and a NOTIFY."""
    async with conn.transaction():
        await conn.execute("select pg_advisory_xact_lock($1)", 0x4153495354)
        actual = await store.current_version(conn, stream_id)
        assert actual == expected
        context = EventContext("ludza", "bench")
        envelopes = [
            store.envelope(stream_id, expected + i, e, context) for i, e in enumerate(events, 1)
        ]
        async with conn.transaction():
            positions = await conn.fetch(
                "insert into events"
                " (stream_id, version, event_id, event_type, municipality, envelope)"
                " select $1, v, id::uuid, t, $2, e::jsonb"
                " from unnest($3::int[], $4::text[], $5::text[], $6::text[]) as u(v, id, t, e)"
                " order by v returning position",
                stream_id,
                context.municipality,
                [e.aggregateversion for e in envelopes],
                [e.id for e in envelopes],
                [e.type for e in envelopes],
                [e.to_json().decode() for e in envelopes],
            )
        await conn.execute(
            "insert into outbox (position, subject) select * from unnest($1::bigint[], $2::text[])",
            [r["position"] for r in positions],
            [e.nats_subject for e in envelopes],
        )
        await conn.execute("select pg_notify('asist_outbox', '')")


async def bench_append_baselines(
    pool: asyncpg.Pool, events: int, writers: int
) -> tuple[float, float]:
    """Events/s, 1 per append, ``writers`` at once: the append before issue #14, and a plain
    single-row insert of the same envelope (the ceiling: no version check, no outbox)."""
    store = EventStore("bench", bench_registry)
    per_writer = max(1, events // writers)
    async with pool.acquire() as conn:
        await conn.execute(
            "create table plain (id bigserial primary key, stream text, envelope jsonb)"
        )

    async def legacy(w: int) -> None:
        async with pool.acquire() as conn:
            for i in range(per_writer):
                await legacy_append(
                    conn, store, f"legacy-{writers}-{w}", i, [Ticked(n=i, note="x" * 40)]
                )

    async def plain(w: int) -> None:
        context = EventContext("ludza", "bench")
        async with pool.acquire() as conn:
            for i in range(per_writer):
                envelope = store.envelope(f"plain-{w}", i + 1, Ticked(n=i, note="x" * 40), context)
                await conn.execute(
                    "insert into plain (stream, envelope) values ($1, $2::jsonb)",
                    envelope.subject,
                    envelope.to_json().decode(),
                )

    rates = []
    for writer in (legacy, plain):
        started = time.perf_counter()
        await asyncio.gather(*(writer(w) for w in range(writers)))
        rates.append(per_writer * writers / (time.perf_counter() - started))
    async with pool.acquire() as conn:  # the relay of the next step publishes ours only
        await conn.execute(
            "delete from outbox where position in"
            " (select position from events where stream_id like 'legacy-%')"
        )
        await conn.execute("delete from events where stream_id like 'legacy-%'")
    return rates[0], rates[1]


async def bench_relay(pool: asyncpg.Pool, nats_url: str) -> tuple[Figure, int]:
    nc = await nats.connect(nats_url)
    try:
        relay = OutboxRelay(pool, nc.jetstream(), batch_size=2000)
        started = time.perf_counter()
        total = 0
        async with pool.acquire() as conn:
            while published := await relay.publish_pending(conn):
                total += published
        elapsed = time.perf_counter() - started
    finally:
        await nc.drain()
    return Figure("relay: outbox → JetStream", total / elapsed, "msg/s"), total


BatchMessage = Annotated[NatsBatchMessage, Context("message")]


async def _consume(
    servers: Servers,
    durable: str,
    expected: int,
    attach: Callable[[NatsBroker, asyncpg.Pool, Callable[[int], None]], Awaitable[None]],
) -> float:
    """Events per second through a subscriber that ``attach`` puts on a fresh broker."""
    pool = await fresh_database(servers)
    async with pool.acquire() as conn:
        await conn.execute("create table ticks (stream text not null, n int not null)")
    done = asyncio.Event()
    handled = 0

    def count(n: int) -> None:
        nonlocal handled
        handled += n
        if handled >= expected:
            done.set()

    broker = NatsBroker(servers.nats_url, log_level=FASTSTREAM_LOG_LEVEL)
    await attach(broker, pool, count)
    started = time.perf_counter()
    await broker.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=600)
        async with pool.acquire() as conn:
            # Handlers count before their batch commits: the figure is for committed rows.
            while (rows := await conn.fetchval("select count(*) from ticks")) < expected:  # noqa: ASYNC110
                await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - started
    finally:
        await broker.stop()
        await pool.close()
    assert rows == expected, f"{durable}: {rows} rows for {expected} events"
    return expected / elapsed


async def raw_baseline(servers: Servers, js_config_owner: str, expected: int) -> float:
    """FastStream batch subscriber, one executemany per batch, ack: none of our machinery."""

    async def attach(broker: NatsBroker, pool: asyncpg.Pool, count: Callable[[int], None]) -> None:
        config = consumer_config(js_config_owner, "bench", max_deliver=5, ack_wait_seconds=30)
        nc = await nats.connect(servers.nats_url)
        await ensure_consumer(nc.jetstream(), "BENCH", config)
        await nc.drain()
        subscriber = broker.subscriber(
            durable=config.durable_name,
            stream=JStream(name="BENCH", declare=False),
            config=config,
            pull_sub=PullSub(batch_size=BATCH, timeout=0.2, batch=True),
            ack_policy=AckPolicy.MANUAL,
            include_in_schema=False,
        )

        async def on_batch(message: BatchMessage) -> None:
            msgs = message.raw_message
            rows = []
            for msg in msgs:
                body = json.loads(msg.data)
                rows.append((body["subject"], body["aggregateversion"]))
            async with pool.acquire() as conn:
                await conn.executemany("insert into ticks values ($1, $2)", rows)
            for msg in msgs:
                await msg.ack()
            count(len(msgs))

        subscriber(on_batch)

    return await _consume(servers, js_config_owner, expected, attach)


async def our_consumer(servers: Servers, name: str, expected: int, batch_handler: bool) -> float:
    """EventConsumer: envelopes, exactly-once effects, order per aggregate, dead letters."""

    async def attach(broker: NatsBroker, pool: asyncpg.Pool, count: Callable[[int], None]) -> None:
        async def one(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
            await conn.execute(
                "insert into ticks values ($1, $2)", envelope.subject, envelope.aggregateversion
            )
            count(1)

        async def many(conn: Connection, events: Sequence[tuple[Envelope, BaseModel]]) -> None:
            await conn.executemany(
                "insert into ticks values ($1, $2)",
                [(e.subject, e.aggregateversion) for e, _ in events],
            )
            count(len(events))

        consumer = EventConsumer(
            name,
            "bench",
            {} if batch_handler else {"Ticked": one},
            pool,
            ConsumerSettings(batch_size=BATCH, batch_timeout_seconds=0.2),
            bench_registry,
            batch_handlers={"Ticked": many} if batch_handler else {},
        )
        nc = await nats.connect(servers.nats_url)
        await ensure_consumer(nc.jetstream(), consumer.stream, consumer.config())
        await nc.drain()
        consumer.attach(broker)

    return await _consume(servers, name, expected, attach)


async def reset_streams(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    with contextlib.suppress(Exception):  # absent on a first run
        await js.delete_stream("BENCH")
    await ensure_service_stream(js, "bench")
    await ensure_dead_letter_stream(js)
    await nc.drain()


async def measure(servers: Servers, scale: float = 1.0) -> list[Figure]:
    events = scaled(20000, scale, least=WRITERS * 10)
    await reset_streams(servers.nats_url)
    pool = await fresh_database(servers)
    try:
        legacy, plain = await bench_append_baselines(pool, events // 2, WRITERS)
        one = await bench_appends(pool, events, WRITERS, 1)
        figures = [
            Figure(f"append before #14: {WRITERS} writers, 1 per append", legacy, "events/s"),
            Figure(f"plain insert: {WRITERS} writers, 1 row each", plain, "events/s"),
            Figure(one.name + " vs before", one.value, one.unit, legacy, "append before #14"),
            Figure(one.name + " vs plain", one.value, one.unit, plain, "plain insert"),
            await bench_appends(pool, events, WRITERS, 10),
        ]
        relay, total = await bench_relay(pool, servers.nats_url)
        figures.append(relay)
    finally:
        await pool.close()
    raw = await raw_baseline(servers, "benchraw", total)
    batched = await our_consumer(servers, "benchbatch", total, batch_handler=True)
    single = await our_consumer(servers, "benchsingle", total, batch_handler=False)
    baseline_name = "raw FastStream batch + executemany"
    figures += [
        Figure("consumer baseline: " + baseline_name, raw, "events/s"),
        Figure("consumer: batch handler (executemany)", batched, "events/s", raw, baseline_name),
        Figure("consumer: handler per event", single, "events/s", raw, baseline_name),
    ]
    return figures


def main() -> None:
    from bench.__main__ import run_standalone

    run_standalone([measure])


if __name__ == "__main__":
    main()
