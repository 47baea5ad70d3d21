"""Idempotent provisioning of JetStream streams and durable consumers (architecture.md §3).

Run at every start of every replica: an existing stream or consumer with the same config
is left alone, a changed one is updated in place.

A durable subscribes only to the subjects of the events its service handles (issue 18:
a consumer never acknowledges what it cannot handle). When a new version handles more
(a handler added), the subjects it gains lie behind the durable's position, never
delivered: such a durable is created again from the stream's first message, and the
consumer's ``processed_events`` skips what it had applied, so only the new handler's
history takes effect. When it handles less, the filter is narrowed in place and the
position kept.
"""

from __future__ import annotations

from collections.abc import Iterable

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
from shared.logging import get_logger

log = get_logger(__name__)

DEAD_LETTER_STREAM = "DEADLETTER"
DEAD_LETTER_PREFIX = "asistdlq"
# The relay re-publishes after a crash within this window; JetStream drops the repeats.
DUPLICATE_WINDOW_SECONDS = 15 * 60.0
MAX_DELIVERIES_ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>"


def service_subjects(service: str) -> str:
    return f"asist.*.{service}.>"


def event_subjects(service: str, event_names: Iterable[str]) -> list[str]:
    """The subjects of these events of ``service`` in every municipality, sorted."""
    return [f"asist.*.{service}.{name}" for name in sorted(set(event_names))]


def covers(pattern: str, subject: str) -> bool:
    """Whether every subject matching ``subject`` (which may hold wildcards) matches the
    NATS subject filter ``pattern``."""
    wanted, given = pattern.split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(given) > index
        if index >= len(given) or given[index] == ">":
            return False
        if token != "*" and token != given[index]:
            return False
    return len(wanted) == len(given)


def filters_of(config: ConsumerConfig) -> list[str]:
    """A consumer's subject filters, however they were set (one, several, none = all)."""
    if config.filter_subjects:
        return list(config.filter_subjects)
    return [config.filter_subject] if config.filter_subject else [">"]


def gained_subjects(before: ConsumerConfig, after: ConsumerConfig) -> list[str]:
    """Subjects ``after`` filters that ``before`` did not: their history was skipped."""
    old = filters_of(before)
    return [s for s in filters_of(after) if not any(covers(o, s) for o in old)]


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
    events: Iterable[str] | None = None,
) -> ConsumerConfig:
    """The durable of ``consumer`` on ``upstream_service``'s stream: only the subjects of
    ``events`` (the event names it handles), or every subject of the stream if None."""
    if events is not None:
        subjects = event_subjects(upstream_service, events)
        if not subjects:
            raise ValueError(f"{consumer} handles no event of {upstream_service}")
        return ConsumerConfig(
            durable_name=durable_name(consumer, upstream_service),
            description=f"{consumer} reading {stream_name(upstream_service)}",
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait_seconds,
            max_deliver=max_deliver,
            filter_subjects=subjects,
            max_ack_pending=max_ack_pending,
        )
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
    """Create the durable, or bring an existing one to ``config`` (see the module's
    docstring: in place, or again from the first message when it gained subjects)."""
    assert config.durable_name is not None
    try:
        info = await js.consumer_info(stream, config.durable_name)
    except NotFoundError:
        await js.add_consumer(stream, config)
        return
    gained = gained_subjects(info.config, config)
    if gained:
        # The gained subjects' messages before the durable's position were skipped by its
        # old filter: start again from the first message (processed_events skips repeats).
        log.info(
            "consumer.replayed_for_new_subjects",
            durable=config.durable_name,
            stream=stream,
            gained=gained,
            was_at=info.delivered.stream_seq if info.delivered else 0,
        )
        await js.delete_consumer(stream, config.durable_name)
        await js.add_consumer(stream, config)
        return
    # add_consumer with the same durable name updates a changeable config in place (a
    # narrower filter too: the position is kept).
    await js.add_consumer(stream, config)
