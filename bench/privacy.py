"""Benchmark of crypto-shredding (issue #9): append and consume with encryption on vs off.

The same work twice, once without a keyring and once sealing the personal fields (AES-GCM,
a data key per person in the JetStream key bucket); prints both rates and their ratio
(goal: >= 0.8x). Events carry four personal fields, like ``AssistantRegistered``; every
person has ``--events-per-person`` events, so a new person's key is made now and then.
Starts its own NATS and PostgreSQL under .local/bench-privacy.

    .venv/bin/python -m bench.privacy [--events 8000] [--writers 8] [--events-per-person 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import asyncpg
import nats
from faststream.nats import NatsBroker
from pydantic import BaseModel

from bench.figures import Servers, fresh_database
from deploy.stack import start_stack, stop_stack
from shared.bus.consumer import ConsumerSettings, EventConsumer
from shared.bus.provisioning import (
    ensure_consumer,
    ensure_dead_letter_stream,
    ensure_service_stream,
)
from shared.events.envelope import Envelope
from shared.events.personal import Identifies, Personal
from shared.events.registry import EventRegistry
from shared.privacy.cipher import parse_master_key
from shared.privacy.keyring import Keyring, open_key_bucket
from shared.privacy.protect import Protector
from shared.store.eventstore import EventContext, EventStore
from shared.store.outbox import OutboxRelay
from shared.store.types import Connection

privacy_registry = EventRegistry()


@privacy_registry.register("pbench")
class HoursLogged(BaseModel):
    """A benchmark event with a person's code, names and IBAN, and clear hours."""

    person_id: Annotated[str, Identifies("personal_code")]
    personal_code: Annotated[str, Personal()]
    first_name: Annotated[str, Personal()]
    last_name: Annotated[str, Personal()]
    iban: Annotated[str, Personal("bank")]
    hours: Decimal


DATA_DIR = Path(__file__).resolve().parents[1] / ".local" / "bench-privacy"


def event(person: str, n: int) -> HoursLogged:
    return HoursLogged(
        person_id=person,
        personal_code=f"32{abs(hash(person)) % 10**9:09d}",
        first_name="Jānis",
        last_name="Bērziņš",
        iban="LV80BANK0000435195001",
        hours=Decimal(n % 9),
    )


async def appends(
    pool: asyncpg.Pool, store: EventStore, events: int, writers: int, per_person: int, tag: str
) -> float:
    per_writer = events // writers

    async def writer(w: int) -> None:
        async with pool.acquire() as conn:
            for i in range(per_writer):
                person = f"{tag}-{w}-{i // per_person}"
                await store.append(
                    conn,
                    f"person-{person}",
                    i % per_person,
                    [event(person, i)],
                    EventContext("ludza", "bench"),
                )

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return per_writer * writers / (time.perf_counter() - started)


async def consume(
    nats_url: str, pool: asyncpg.Pool, protector: Protector | None, expected: int, name: str
) -> float:
    async with pool.acquire() as conn:
        await conn.execute(f"create table if not exists seen_{name} (stream text, last text)")
    done = asyncio.Event()
    handled = 0

    async def on_event(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        nonlocal handled
        assert isinstance(data, HoursLogged) and data.last_name == "Bērziņš"  # opened
        await conn.execute(
            f"insert into seen_{name} values ($1, $2)", envelope.subject, data.last_name
        )
        handled += 1
        if handled >= expected:
            done.set()

    consumer = EventConsumer(
        name,
        "pbench",
        {"HoursLogged": on_event},
        pool,
        ConsumerSettings(batch_size=200, batch_timeout_seconds=0.2),
        privacy_registry,
        protector=protector,
    )
    nc = await nats.connect(nats_url)
    await ensure_consumer(nc.jetstream(), consumer.stream, consumer.config())
    broker = NatsBroker(nats_url)
    consumer.attach(broker)
    started = time.perf_counter()
    await broker.start()
    await asyncio.wait_for(done.wait(), timeout=600)
    elapsed = time.perf_counter() - started
    await broker.stop()
    await nc.drain()
    return handled / elapsed


async def cpu_per_event(protector: Protector, count: int = 2000) -> tuple[float, float]:
    """Sealing and opening alone, keys already cached: the part no noisy neighbour inflates
    as much as the round trips (median of 3 runs, microseconds per event)."""
    store = EventStore("pbench", privacy_registry)
    context = EventContext("ludza", "bench")
    envelopes = [
        store.envelope(f"person-cpu-{i // 10}", 1, event(f"cpu-{i // 10}", i), context)
        for i in range(count)
    ]
    for envelope in envelopes[::10]:
        await protector.seal(envelope)  # make and cache the keys first
    seal_runs, open_runs = [], []
    for _ in range(3):
        started = time.perf_counter()
        sealed = [await protector.seal(e) for e in envelopes]
        seal_runs.append((time.perf_counter() - started) / count * 1e6)
        started = time.perf_counter()
        for e in sealed:
            await protector.open(e)
        open_runs.append((time.perf_counter() - started) / count * 1e6)
    return sorted(seal_runs)[1], sorted(open_runs)[1]


async def publish_all(pool: asyncpg.Pool, nats_url: str) -> int:
    nc = await nats.connect(nats_url)
    relay = OutboxRelay(pool, nc.jetstream(), batch_size=2000)
    total = 0
    async with pool.acquire() as conn:
        while published := await relay.publish_pending(conn):
            total += published
    await nc.drain()
    return total


async def run(args: argparse.Namespace) -> None:
    data_dir = DATA_DIR
    stack = start_stack(data_dir, nats_port=0, pg_port=0, nats_monitor_port=0)
    nats_url = stack.operator_url
    try:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        for name in ("PBENCH", "DEADLETTER", "KV_ASIST_KEYS"):
            with contextlib.suppress(Exception):  # absent on a first run
                await js.delete_stream(name)
        await ensure_service_stream(js, "pbench")
        await ensure_dead_letter_stream(js)
        keyring = Keyring(await open_key_bucket(js), parse_master_key(stack.master_key or ""))
        protector = Protector(keyring, privacy_registry)
        figures: dict[str, dict[str, float]] = {"append": {}, "consume": {}}
        # Alternate off/on twice, so a warming cache or a busy neighbour favours neither.
        for round_ in range(2):
            for label, used in (("off", None), ("on", protector)):
                pool = await fresh_database(Servers(nats_url, stack.database_url))
                store = EventStore("pbench", privacy_registry, protector=used)
                tag = f"{label}{round_}"
                figures["append"].setdefault(label, 0.0)
                figures["append"][label] += (
                    await appends(
                        pool, store, args.events, args.writers, args.events_per_person, tag
                    )
                    / 2
                )
                await js.purge_stream("PBENCH")
                total = await publish_all(pool, nats_url)
                figures["consume"].setdefault(label, 0.0)
                figures["consume"][label] += (
                    await consume(nats_url, pool, used, total, f"r{tag}") / 2
                )
                await pool.close()
        cpu = await cpu_per_event(protector)
        await nc.drain()
    finally:
        stop_stack(data_dir)
    print(
        f"{args.events} events, {args.writers} writers, 1 event per append, "
        f"a new person every {args.events_per_person} events; mean of 2 rounds"
    )
    for what, by in figures.items():
        ratio = by["on"] / by["off"]
        print(
            f"{what:<8} encryption off {by['off']:8,.0f} /s   on {by['on']:8,.0f} /s"
            f"   ratio {ratio:4.2f}x  (goal >= 0.80x)"
        )
    print(
        f"CPU per event with its keys cached (no I/O): seal {cpu[0]:.0f} µs, open {cpu[1]:.0f} µs"
    )


def main() -> None:
    logging.getLogger("faststream").setLevel(logging.WARNING)  # a line per message otherwise
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=8000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--events-per-person", type=int, default=10)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
