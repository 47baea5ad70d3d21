"""Consumers on FastStream against real JetStream and PostgreSQL (architecture.md §5, §8)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import asyncpg
import nats
import pytest
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from pydantic import BaseModel

from shared.bus.consumer import BatchEventHandler, ConsumerSettings, EventConsumer
from shared.bus.nats_auth import broker_security
from shared.bus.provisioning import (
    DEAD_LETTER_STREAM,
    ensure_consumer,
    ensure_dead_letter_stream,
    ensure_service_stream,
)
from shared.events.envelope import Envelope
from shared.store.types import Connection
from tests.conftest import Servers
from tests.integration.backbone_support import probe_envelope, read_stream_messages, test_registry

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]

Handler = Callable[[Connection, Envelope, BaseModel], Awaitable[None]]


async def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def run_consumer(
    stack: Servers, js: JetStreamContext, event_db: asyncpg.Pool
) -> AsyncIterator[Callable[..., Awaitable[EventConsumer]]]:
    brokers: list[NatsBroker] = []
    await ensure_service_stream(js, "probe")
    await ensure_dead_letter_stream(js)

    async def start(
        handler: Handler,
        *,
        handlers: dict[str, Handler] | None = None,
        batch_handlers: dict[str, BatchEventHandler] | None = None,
        **overrides: object,
    ) -> EventConsumer:
        settings = ConsumerSettings(
            max_deliver=3,
            backoff_seconds=[0.3, 0.6],
            ack_wait_seconds=30.0,
            batch_size=10,
            batch_timeout_seconds=0.3,
        )
        for key, value in overrides.items():
            setattr(settings, key, value)
        consumer = EventConsumer(
            consumer="tester",
            upstream_service="probe",
            handlers=handlers if handlers is not None else {"Pinged": handler},
            pool=event_db,
            settings=settings,
            registry=test_registry,
            batch_handlers=batch_handlers or {},
        )
        await ensure_consumer(js, consumer.stream, consumer.config())
        broker = NatsBroker(stack.nats_url, security=broker_security(stack.nats_settings()))
        consumer.attach(broker)
        await broker.start()
        brokers.append(broker)
        return consumer

    yield start
    for broker in brokers:
        await broker.stop()


async def read_stream_messages_raw(js: JetStreamContext, stream: str, expected: int) -> list[bytes]:
    """Wait until ``stream`` holds ``expected`` messages (dead-lettering happens after commit)."""
    deadline = time.monotonic() + 10
    while (await js.stream_info(stream)).state.messages < expected:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    info = await js.stream_info(stream)
    return (
        [
            (await js.get_msg(stream, s)).data or b""
            for s in range(info.state.first_seq, info.state.last_seq + 1)
        ]
        if info.state.messages
        else []
    )


async def publish(js: JetStreamContext, envelope: Envelope, msg_id: str | None = None) -> None:
    headers = {"Nats-Msg-Id": msg_id} if msg_id else None
    await js.publish(envelope.nats_subject, envelope.to_json(), headers=headers)


async def test_the_same_event_delivered_twice_is_applied_once(
    run_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    event_db: asyncpg.Pool,
) -> None:
    async with event_db.acquire() as conn:
        await conn.execute("create table applied (n int not null)")
    calls: list[int] = []

    async def handler(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        calls.append(envelope.data["n"])
        await conn.execute("insert into applied values ($1)", envelope.data["n"])

    await run_consumer(handler)
    twice = probe_envelope(7)
    # Two different message ids get past JetStream's de-duplication: only the consumer saves us.
    await publish(js, twice, "first")
    await publish(js, twice, "second")
    await publish(js, probe_envelope(8), "third")
    await wait_for(lambda: 8 in calls)
    await asyncio.sleep(0.3)
    async with event_db.acquire() as conn:
        assert await conn.fetchval("select count(*) from applied") == 2
        assert await conn.fetchval("select count(*) from processed_events") == 2
    assert calls == [7, 8]


async def test_an_always_failing_handler_is_retried_with_backoff_then_dead_lettered(
    run_consumer: Callable[..., Awaitable[EventConsumer]], js: JetStreamContext
) -> None:
    attempts: list[float] = []
    handled: list[int] = []

    async def handler(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        if envelope.data["n"] == 1:
            attempts.append(time.monotonic())
            raise RuntimeError("this handler always fails")
        handled.append(envelope.data["n"])

    await run_consumer(handler)
    await publish(js, probe_envelope(1, aggregate="poison"))
    await publish(js, probe_envelope(2, aggregate="healthy"))
    await wait_for(lambda: 2 in handled)
    assert len(attempts) >= 1  # the next message did not wait for the poison one

    dead = await read_stream_messages(js, DEAD_LETTER_STREAM, 1, wait_seconds=10)
    assert len(attempts) == 3, "max_deliver=3: exactly three attempts"
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert gaps[0] >= 0.25 and gaps[1] >= 0.5, f"back-off not applied: {gaps}"
    assert [e.data["n"] for e in dead] == [1]
    raw = await js.get_last_msg(DEAD_LETTER_STREAM, "asistdlq.tester.PROBE")
    assert raw.headers is not None
    assert "this handler always fails" in raw.headers["Asist-Error"]
    assert raw.headers["Asist-Attempts"] == "3"


async def test_a_message_that_is_not_an_envelope_goes_straight_to_dead_letters(
    run_consumer: Callable[..., Awaitable[EventConsumer]], js: JetStreamContext
) -> None:
    handled: list[int] = []

    async def handler(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        handled.append(envelope.data["n"])

    await run_consumer(handler)
    await js.publish("asist.daugavpils.probe.Pinged", b'{"not": "a cloudevent"}')
    await publish(js, probe_envelope(5))
    await wait_for(lambda: handled == [5])
    dead = await read_stream_messages_raw(js, DEAD_LETTER_STREAM, 1)
    assert len(dead) == 1
    raw = await js.get_last_msg(DEAD_LETTER_STREAM, "asistdlq.tester.PROBE")
    assert (
        raw.headers is not None and "not a valid CloudEvents envelope" in raw.headers["Asist-Error"]
    )
    assert raw.headers["Asist-Attempts"] == "1"


async def test_one_aggregate_stays_in_order_while_an_earlier_event_is_retried(
    run_consumer: Callable[..., Awaitable[EventConsumer]], js: JetStreamContext
) -> None:
    seen: list[int] = []
    failures = {"left": 1}

    async def handler(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        n = envelope.data["n"]
        if n == 1 and failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("transient")
        seen.append(n)

    await run_consumer(handler)
    for n in (1, 2, 3):
        await publish(js, probe_envelope(n, aggregate="case-9", sequence=n))
    await wait_for(lambda: len(seen) == 3)
    assert seen == [1, 2, 3]


async def test_a_partial_batch_is_handled_promptly_not_after_ack_wait(
    run_consumer: Callable[..., Awaitable[EventConsumer]], js: JetStreamContext
) -> None:
    """Regression, architecture.md §8: faststream 0.7.8 with nats-py >= 2.15 lost a fetched
    batch smaller than ``batch_size`` until the ack wait ran out (an uncaught TimeoutError)."""
    handled: list[int] = []

    async def handler(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        handled.append(envelope.data["n"])

    await run_consumer(handler, batch_size=50, ack_wait_seconds=30.0)
    for n in range(3):
        await publish(js, probe_envelope(n, aggregate=f"a{n}"))
    started = time.monotonic()
    await wait_for(lambda: len(handled) == 3, seconds=8.0)
    assert time.monotonic() - started < 8.0
    # And a second partial batch after an idle fetch timeout.
    await asyncio.sleep(1.0)
    await publish(js, probe_envelope(99, aggregate="late"))
    await wait_for(lambda: 99 in handled, seconds=8.0)


async def test_a_trickle_of_messages_is_never_held_back_until_the_ack_wait(
    run_consumer: Callable[..., Awaitable[EventConsumer]], js: JetStreamContext
) -> None:
    """Regression, architecture.md §8, the racy form: with many short partial-batch fetches,
    nats-py >= 2.15 sometimes raises a bare ``asyncio.TimeoutError`` that faststream 0.7.8 does
    not catch, and the batch already fetched waits for the ack wait (30 s here)."""
    handled: dict[int, float] = {}

    async def handler(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        handled[envelope.data["n"]] = time.monotonic()

    await run_consumer(handler, batch_size=100, batch_timeout_seconds=0.01, ack_wait_seconds=30.0)
    sent: dict[int, float] = {}
    for n in range(150):
        sent[n] = time.monotonic()
        await publish(js, probe_envelope(n, aggregate=f"t{n}"))
        await asyncio.sleep(0.004)
    await wait_for(lambda: len(handled) == len(sent), seconds=20.0)
    slowest = max(handled[n] - sent[n] for n in sent)
    assert slowest < 5.0, f"a message waited {slowest:.1f} s: a fetched batch was lost"


async def test_jetstream_max_delivery_advisories_land_in_the_dead_letter_stream(
    js: JetStreamContext,
) -> None:
    """A consumer process that never acks (crashing on every delivery) can't dead-letter by
    itself; JetStream's max-delivery advisory is captured in DEADLETTER instead."""
    await ensure_service_stream(js, "probe")
    await ensure_dead_letter_stream(js)
    await publish(js, probe_envelope(1))
    config = ConsumerConfig(ack_wait=0.3, max_deliver=2, filter_subject="asist.*.probe.>")
    sub = await js.pull_subscribe("", durable="crasher-PROBE", stream="PROBE", config=config)
    for _ in range(3):  # fetched, never acked, redelivered after the ack wait, then given up
        with contextlib.suppress(nats.errors.TimeoutError):
            await sub.fetch(1, timeout=0.6)
    deadline = time.monotonic() + 10
    while (await js.stream_info(DEAD_LETTER_STREAM)).state.messages == 0:
        assert time.monotonic() < deadline, "no max-delivery advisory in DEADLETTER"
        await asyncio.sleep(0.1)
    advisory = await js.get_last_msg(
        DEAD_LETTER_STREAM, "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.PROBE.crasher-PROBE"
    )
    assert b'"stream_seq":1' in (advisory.data or b"")
    await sub.unsubscribe()


# ---- the batch fast path (issue #14) ------------------------------------------------------


async def test_a_failing_message_rolls_back_the_batch_which_is_applied_again_one_by_one(
    run_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    event_db: asyncpg.Pool,
) -> None:
    async with event_db.acquire() as conn:
        await conn.execute("create table applied (n int primary key)")
    calls: list[int] = []

    async def handler(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        n = envelope.data["n"]
        calls.append(n)
        await conn.execute("insert into applied values ($1)", n)
        if n == 3 and calls.count(3) == 1:
            raise RuntimeError("fails on its first delivery only")

    for n in range(1, 6):  # published before the consumer starts: one fetched batch
        await publish(js, probe_envelope(n, aggregate=f"a{n}"))
    await run_consumer(handler)
    await wait_for(lambda: calls.count(3) == 2)
    await asyncio.sleep(0.3)
    async with event_db.acquire() as conn:
        assert await conn.fetchval("select array_agg(n order by n) from applied") == [1, 2, 3, 4, 5]
        assert await conn.fetchval("select count(*) from processed_events") == 5
    # The fast path ran 1, 2, 3 (3 failed, all rolled back); the per-message path ran 1, 2,
    # 4, 5 and not 3 again; the redelivery ran 3. Once per delivery for the failing one.
    assert calls == [1, 2, 3, 1, 2, 4, 5, 3]


async def test_the_same_event_twice_in_one_batch_is_applied_once(
    run_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    event_db: asyncpg.Pool,
) -> None:
    calls: list[int] = []

    async def handler(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        calls.append(envelope.data["n"])

    twice = probe_envelope(7)
    await publish(js, twice, "one")
    await publish(js, twice, "two")
    await publish(js, probe_envelope(8), "three")
    await run_consumer(handler)
    await wait_for(lambda: 8 in calls)
    await asyncio.sleep(0.3)
    assert calls == [7, 8]
    async with event_db.acquire() as conn:
        assert await conn.fetchval("select count(*) from processed_events") == 2


async def test_a_batch_handler_gets_each_run_of_its_type_in_stream_order(
    run_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    event_db: asyncpg.Pool,
) -> None:
    async with event_db.acquire() as conn:
        await conn.execute("create table applied (n int primary key)")
    calls: list[tuple[str, list[int]]] = []

    async def many(conn: Connection, events: Sequence[tuple[Envelope, BaseModel]]) -> None:
        calls.append(("many", [e.data["n"] for e, _ in events]))
        await conn.executemany(
            "insert into applied values ($1)", [(e.data["n"],) for e, _ in events]
        )

    async def one(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        calls.append(("one", [envelope.data["n"]]))
        await conn.execute("insert into applied values ($1)", envelope.data["n"])

    kinds = ["Pinged", "Pinged", "Ponged", "Pinged", "Pinged", "Pinged"]
    for n, kind in enumerate(kinds, start=1):
        await publish(js, probe_envelope(n, aggregate="same", sequence=n, event_type=kind))
    await run_consumer(one, handlers={"Ponged": one}, batch_handlers={"Pinged": many})
    await wait_for(lambda: sum(len(ns) for _, ns in calls) == 6)
    assert calls == [("many", [1, 2]), ("one", [3]), ("many", [4, 5, 6])]
    async with event_db.acquire() as conn:
        assert await conn.fetchval("select count(*) from applied") == 6


async def test_one_batch_handler_of_several_types_gets_their_runs_together(
    run_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    event_db: asyncpg.Pool,
) -> None:
    async with event_db.acquire() as conn:
        await conn.execute("create table applied (n int primary key)")
    calls: list[tuple[str, list[int]]] = []

    async def many(conn: Connection, events: Sequence[tuple[Envelope, BaseModel]]) -> None:
        calls.append(("many", [e.data["n"] for e, _ in events]))
        await conn.executemany(
            "insert into applied values ($1)", [(e.data["n"],) for e, _ in events]
        )

    async def one(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        calls.append(("one", [envelope.data["n"]]))
        await conn.execute("insert into applied values ($1)", envelope.data["n"])

    kinds = ["Pinged", "Ponged", "Pinged", "Pinged"]
    for n, kind in enumerate(kinds, start=1):
        await publish(js, probe_envelope(n, aggregate="same", sequence=n, event_type=kind))
    await run_consumer(one, batch_handlers={"Pinged": many, "Ponged": many})
    await wait_for(lambda: sum(len(ns) for _, ns in calls) == 4)
    assert calls == [("many", [1, 2, 3, 4])]  # one run across both types, in stream order


async def test_a_failing_batch_handler_is_retried_one_event_at_a_time(
    run_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    event_db: asyncpg.Pool,
) -> None:
    async with event_db.acquire() as conn:
        await conn.execute("create table applied (n int primary key)")
    calls: list[list[int]] = []

    async def many(conn: Connection, events: Sequence[tuple[Envelope, BaseModel]]) -> None:
        ns = [e.data["n"] for e, _ in events]
        calls.append(ns)
        await conn.executemany("insert into applied values ($1)", [(n,) for n in ns])
        if 2 in ns and sum(c.count(2) for c in calls) == 1:
            raise RuntimeError("fails on its first delivery only")

    for n in (1, 2, 3):
        await publish(js, probe_envelope(n, aggregate=f"a{n}"))
    await run_consumer(many, handlers={}, batch_handlers={"Pinged": many})
    await wait_for(lambda: sum(c.count(2) for c in calls) == 2)
    await asyncio.sleep(0.3)
    # Which event failed is unknown to the consumer: each is tried alone, 2 fails again
    # only if it always fails; here it succeeds on the one-by-one pass.
    assert calls == [[1, 2, 3], [1], [2], [3]]
    async with event_db.acquire() as conn:
        assert await conn.fetchval("select array_agg(n order by n) from applied") == [1, 2, 3]
