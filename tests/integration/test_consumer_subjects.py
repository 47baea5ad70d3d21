"""A durable gets only the events its service handles, and a handler added later still gets
the events published before it existed (issue 18, point 6). Real JetStream and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from pydantic import BaseModel

from shared.bus.consumer import ConsumerSettings, EventConsumer, EventHandler
from shared.bus.nats_auth import broker_security
from shared.bus.provisioning import (
    consumer_config,
    ensure_consumer,
    ensure_dead_letter_stream,
    ensure_service_stream,
)
from shared.events.envelope import Envelope
from shared.store.types import Connection
from tests.conftest import Servers
from tests.integration.backbone_support import probe_envelope, test_registry

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]

Start = Callable[[dict[str, EventHandler]], Awaitable[EventConsumer]]


@pytest.fixture
async def start(
    stack: Servers, js: JetStreamContext, event_db: asyncpg.Pool
) -> AsyncIterator[Start]:
    """Start the ``tester`` consumer of the probe stream with these handlers, as a service's
    runtime does (provision the durable, then subscribe); stops the previous one first."""
    await ensure_service_stream(js, "probe")
    await ensure_dead_letter_stream(js)
    brokers: list[NatsBroker] = []

    async def run(handlers: dict[str, EventHandler]) -> EventConsumer:
        for broker in brokers:
            await broker.stop()
        settings = ConsumerSettings(batch_size=10, batch_timeout_seconds=0.2)
        consumer = EventConsumer("tester", "probe", handlers, event_db, settings, test_registry)
        await ensure_consumer(js, consumer.stream, consumer.config())
        broker = NatsBroker(stack.nats_url, security=broker_security(stack.nats_settings()))
        consumer.attach(broker)
        await broker.start()
        brokers.append(broker)
        return consumer

    yield run
    for broker in brokers:
        await broker.stop()


def recorder(seen: list[tuple[str, int]]) -> EventHandler:
    async def handle(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        seen.append((envelope.event_name, envelope.data["n"]))

    return handle


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def publish(js: JetStreamContext, n: int, kind: str) -> None:
    envelope = probe_envelope(n, aggregate=f"a-{n}", event_type=kind)
    await js.publish(envelope.nats_subject, envelope.to_json())


async def test_a_handler_added_later_still_receives_the_events_before_it(
    start: Start, js: JetStreamContext
) -> None:
    seen: list[tuple[str, int]] = []
    await start({"Pinged": recorder(seen)})
    for n, kind in enumerate(["Pinged", "Ponged", "Pinged", "Ponged"], start=1):
        await publish(js, n, kind)
    await until(lambda: len(seen) == 2)
    for _ in range(100):  # the acks go out after the handlers' commit
        info = await js.consumer_info("PROBE", "tester-PROBE")
        if info.num_ack_pending == 0:
            break
        await asyncio.sleep(0.05)
    assert info.config.filter_subjects == ["asist.*.probe.Pinged"]
    assert info.num_ack_pending == 0 and info.num_pending == 0  # Ponged: never delivered
    assert info.delivered.stream_seq == 3  # Pinged 1 and 3 only; Ponged skipped, not acked

    # The next version handles Ponged too: its history arrives, Pinged is not applied again.
    await start({"Pinged": recorder(seen), "Ponged": recorder(seen)})
    await until(lambda: len(seen) == 4)
    await publish(js, 5, "Ponged")
    await until(lambda: len(seen) == 5)
    await asyncio.sleep(0.5)  # nothing more comes
    assert seen == [("Pinged", 1), ("Pinged", 3), ("Ponged", 2), ("Ponged", 4), ("Ponged", 5)]


async def test_a_narrower_filter_keeps_the_position_of_an_existing_durable(
    start: Start, js: JetStreamContext
) -> None:
    """A durable of an earlier version read the whole stream; it is updated in place."""
    whole = consumer_config("tester", "probe", max_deliver=5, ack_wait_seconds=30)
    await ensure_service_stream(js, "probe")
    await ensure_consumer(js, "PROBE", whole)
    sub = await js.pull_subscribe_bind("tester-PROBE", stream="PROBE")
    for n in (1, 2):
        await publish(js, n, "Pinged")
    for msg in await sub.fetch(2, timeout=5):
        await msg.ack()
    await sub.unsubscribe()

    seen: list[tuple[str, int]] = []
    await start({"Pinged": recorder(seen)})
    info = await js.consumer_info("PROBE", "tester-PROBE")
    assert info.config.filter_subjects == ["asist.*.probe.Pinged"]
    assert info.delivered.stream_seq == 2  # not started again
    await publish(js, 3, "Pinged")
    await until(lambda: len(seen) == 1)
    await asyncio.sleep(0.5)
    assert seen == [("Pinged", 3)]
