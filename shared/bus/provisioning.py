"""Idempotent provisioning of JetStream streams and durable consumers (architecture.md §3).

Run at every start of every replica: an existing stream or consumer with the same config
is left alone, a changed one is updated in place.
"""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamInfo,
)
from nats.js.errors import NotFoundError

from shared.events.envelope import stream_name

DEAD_LETTER_STREAM = "DEADLETTER"
DEAD_LETTER_PREFIX = "asistdlq"
# The relay re-publishes after a crash within this window; JetStream drops the repeats.
DUPLICATE_WINDOW_SECONDS = 15 * 60.0
MAX_DELIVERIES_ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>"


def service_subjects(service: str) -> str:
    return f"asist.*.{service}.>"


def durable_name(consumer: str, upstream_service: str) -> str:
    """``<consumer>-<stream>``, e.g. ``decisions-INTAKE``."""
    return f"{consumer}-{stream_name(upstream_service)}"


async def ensure_stream(js: JetStreamContext, config: StreamConfig) -> StreamInfo:
    assert config.name is not None
    try:
        await js.stream_info(config.name)
    except NotFoundError:
        return await js.add_stream(config)
    return await js.update_stream(config)


async def ensure_service_stream(
    js: JetStreamContext, service: str, replicas: int = 1
) -> StreamInfo:
    return await ensure_stream(
        js,
        StreamConfig(
            name=stream_name(service),
            description=f"Events published by the {service} service of every municipality",
            subjects=[service_subjects(service)],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=replicas,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ),
    )


async def ensure_dead_letter_stream(js: JetStreamContext, replicas: int = 1) -> StreamInfo:
    """Dead letters: copies of poison messages (with the error) and max-delivery advisories."""
    return await ensure_stream(
        js,
        StreamConfig(
            name=DEAD_LETTER_STREAM,
            description="Messages a consumer gave up on, and JetStream max-delivery advisories",
            subjects=[f"{DEAD_LETTER_PREFIX}.>", MAX_DELIVERIES_ADVISORY],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=replicas,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ),
    )


def consumer_config(
    consumer: str,
    upstream_service: str,
    *,
    max_deliver: int,
    ack_wait_seconds: float,
    max_ack_pending: int = 1000,
) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=durable_name(consumer, upstream_service),
        description=f"{consumer} reading {stream_name(upstream_service)}",
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait_seconds,
        max_deliver=max_deliver,
        filter_subject=service_subjects(upstream_service),
        max_ack_pending=max_ack_pending,
    )


async def ensure_consumer(js: JetStreamContext, stream: str, config: ConsumerConfig) -> None:
    assert config.durable_name is not None
    try:
        await js.consumer_info(stream, config.durable_name)
    except NotFoundError:
        await js.add_consumer(stream, config)
        return
    # add_consumer with the same durable name updates a changeable config in place.
    await js.add_consumer(stream, config)
