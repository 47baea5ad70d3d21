"""Small helpers for the backbone tests: a test event type and a bus reader."""

from __future__ import annotations

import asyncio

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import BaseModel

from shared.events.envelope import Envelope
from shared.events.registry import EventRegistry

test_registry = EventRegistry()


@test_registry.register("probe")
class Pinged(BaseModel):
    """A test event."""

    n: int


@test_registry.register("probe")
class Ponged(BaseModel):
    """A second test event type, for runs of consecutive events of one type."""

    n: int


async def read_stream_messages(
    js: JetStreamContext, stream: str, expected: int, wait_seconds: float = 20.0
) -> list[Envelope]:
    """Every message in ``stream``, in stream order, through an ephemeral pull consumer."""
    sub = await js.pull_subscribe(
        "",
        stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
    )
    seen: list[Envelope] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    try:
        while len(seen) < expected and loop.time() < deadline:
            try:
                msgs = await sub.fetch(min(500, expected - len(seen) + 1), timeout=0.5)
            except TimeoutError:
                continue
            seen.extend(Envelope.from_json(m.data) for m in msgs)
        # Anything beyond the expected count would be a duplicate: look once more.
        try:
            msgs = await sub.fetch(100, timeout=0.5)
            seen.extend(Envelope.from_json(m.data) for m in msgs)
        except TimeoutError:
            pass
    finally:
        await sub.unsubscribe()
    return seen


def probe_envelope(
    n: int,
    *,
    aggregate: str = "agg",
    sequence: int = 1,
    event_id: str | None = None,
    event_type: str = "Pinged",
) -> Envelope:
    from shared.events.envelope import new_event_id, utc_now

    return Envelope(
        specversion="1.0",
        id=event_id or new_event_id(),
        source="/asist/daugavpils/probe",
        type=f"lv.asist.probe.{event_type}.v1",
        subject=aggregate,
        time=utc_now(),
        data={"n": n},
        municipality="daugavpils",
        aggregateversion=sequence,
        correlationid="test",
    )
