"""Benchmark of the backbone: event store appends, outbox relay, consumer with exactly-once effects.

Prints figures; asserts nothing. Starts its own NATS and PostgreSQL under .local/bench
(or reuses those named by ASIST_NATS_URL / ASIST_DATABASE_URL).

    .venv/bin/python -m bench.backbone [--events 20000] [--writers 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import time
import uuid
from pathlib import Path

import asyncpg
import nats
from faststream.nats import NatsBroker
from pydantic import BaseModel

from deploy.stack import Stack, start_stack, stop_stack
from shared.bus.consumer import ConsumerSettings, EventConsumer
from shared.bus.provisioning import (
    ensure_consumer,
    ensure_dead_letter_stream,
    ensure_service_stream,
)
from shared.events.envelope import Envelope
from shared.events.registry import EventRegistry
from shared.store.db import SHARED_MIGRATIONS, apply_migrations, database_dsn, ensure_database
from shared.store.eventstore import EventContext, EventStore
from shared.store.outbox import OutboxRelay
from shared.store.types import Connection

ROOT = Path(__file__).resolve().parents[1]
bench_registry = EventRegistry()


@bench_registry.register("bench")
class Ticked(BaseModel):
    """A benchmark event."""

    n: int
    note: str


def stack_auth(stack: Stack) -> dict[str, str]:
    """The operator's credentials of the benchmark's own stack (issue #9)."""
    return {"user": stack.nats_user or "", "password": stack.nats_password or ""}


def authenticated_url(stack: Stack) -> str:
    """The NATS URL with the operator's credentials in it, for nats.connect and NatsBroker."""
    auth = stack_auth(stack)
    return stack.nats_url.replace("nats://", f"nats://{auth['user']}:{auth['password']}@", 1)


def rate(count: int, seconds: float) -> str:
    return f"{count:>7} in {seconds:6.2f} s = {count / seconds:9,.0f} /s"


async def fresh_db(server_dsn: str) -> asyncpg.Pool:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    await ensure_database(server_dsn, name)
    pool = await asyncpg.create_pool(database_dsn(server_dsn, name), min_size=2, max_size=20)
    async with pool.acquire() as conn:
        await apply_migrations(conn, SHARED_MIGRATIONS)
    return pool


async def bench_appends(pool: asyncpg.Pool, events: int, writers: int, per_append: int) -> None:
    store = EventStore("bench", bench_registry)
    per_writer = events // writers // per_append

    async def writer(w: int) -> None:
        async with pool.acquire() as conn:
            for i in range(per_writer):
                batch = [Ticked(n=i, note="x" * 40) for _ in range(per_append)]
                await store.append(
                    conn,
                    f"agg-{per_append}-{w}",
                    i * per_append,
                    batch,
                    EventContext("ludza", "bench"),
                )

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    total = per_writer * per_append * writers
    elapsed = time.perf_counter() - started
    print(f"append  {writers} writers, {per_append}/append : {rate(total, elapsed)}")


async def bench_relay(pool: asyncpg.Pool, nats_url: str) -> int:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_service_stream(js, "bench")
    relay = OutboxRelay(pool, js, batch_size=2000)
    started = time.perf_counter()
    total = 0
    async with pool.acquire() as conn:
        while published := await relay.publish_pending(conn):
            total += published
    print(f"relay   outbox → JetStream      : {rate(total, time.perf_counter() - started)}")
    await nc.drain()
    return total


async def bench_consumer(nats_url: str, server_dsn: str, expected: int) -> None:
    pool = await fresh_db(server_dsn)
    async with pool.acquire() as conn:
        await conn.execute("create table ticks (stream text, n int)")
    done = asyncio.Event()
    handled = 0

    async def on_tick(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        nonlocal handled
        await conn.execute("insert into ticks values ($1, $2)", envelope.subject, envelope.sequence)
        handled += 1
        if handled >= expected:
            done.set()

    consumer = EventConsumer(
        "benchreader",
        "bench",
        {"Ticked": on_tick},
        pool,
        ConsumerSettings(batch_size=200, batch_timeout_seconds=0.2),
        bench_registry,
    )
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_dead_letter_stream(js)
    await ensure_consumer(js, consumer.stream, consumer.config())
    broker = NatsBroker(nats_url)
    consumer.attach(broker)
    started = time.perf_counter()
    await broker.start()
    await asyncio.wait_for(done.wait(), timeout=600)
    print(f"consume JetStream → PostgreSQL   : {rate(handled, time.perf_counter() - started)}")
    await broker.stop()
    await nc.drain()
    await pool.close()


async def run(args: argparse.Namespace) -> None:
    data_dir = ROOT / ".local" / "bench"
    stack = start_stack(data_dir, nats_port=0, pg_port=0, nats_monitor_port=0)
    try:
        nc = await nats.connect(stack.nats_url, **stack_auth(stack))
        js = nc.jetstream()
        for name in ("BENCH", "DEADLETTER"):
            with contextlib.suppress(Exception):  # absent on a first run
                await js.delete_stream(name)
        await nc.drain()
        pool = await fresh_db(stack.database_url)
        await bench_appends(pool, args.events, args.writers, 1)
        await bench_appends(pool, args.events, args.writers, 10)
        nats_url = authenticated_url(stack)
        total = await bench_relay(pool, nats_url)
        await pool.close()
        await bench_consumer(nats_url, stack.database_url, total)
    finally:
        stop_stack(data_dir)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the benchmark process: {peak_mib:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--writers", type=int, default=8)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
