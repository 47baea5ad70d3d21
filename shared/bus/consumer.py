"""Durable pull consumers on FastStream with exactly-once effects (architecture.md §5).

For each upstream stream a service reads, one durable pull consumer ``<consumer>-<STREAM>``
fetches batches; a ``batch=True`` handler gets them as a list in stream order and handles
them one by one, so one aggregate's events are never reordered (architecture.md §8: a
per-message handler with ``batch_size>1`` runs the batch concurrently and reorders it).

Each message: record its event id in ``processed_events`` (skipping the effects when it
is already there) and run the handler, in the transaction of its batch; ack only after
the commit.
A failure naks with a growing delay; at the last allowed delivery the message is copied
to the dead-letter stream with the error and terminated, and the consumer goes on. After
a failure, later messages of the same aggregate in the batch are nak'd too, so they are
not applied before the one that failed.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated

import asyncpg
import structlog
from faststream import AckPolicy, Context
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig
from prometheus_client import Counter, Histogram
from pydantic import BaseModel, ValidationError

from shared.bus.provisioning import (
    DEAD_LETTER_PREFIX,
    DEAD_LETTER_STREAM,
    consumer_config,
    durable_name,
)
from shared.events.envelope import Envelope, stream_name
from shared.events.registry import EventRegistry, UnknownEventType
from shared.events.registry import registry as default_registry
from shared.logging import get_logger
from shared.privacy.protect import Protector, open_envelope
from shared.store.types import Connection

log = get_logger(__name__)

# The raw batch, in stream order, from FastStream's context (not the decoded bodies).
BatchMessage = Annotated[NatsBatchMessage, Context("message")]

EventHandler = Callable[[Connection, Envelope, BaseModel], Awaitable[None]]

EVENTS_HANDLED = Counter(
    "asist_events_handled_total", "Events handled by consumers", ["consumer", "stream", "outcome"]
)
HANDLER_SECONDS = Histogram(
    "asist_event_handler_seconds", "Time to handle one event", ["consumer", "stream"]
)


class PoisonMessage(ValueError):
    """A message that can never be handled (not a valid envelope or event): no retries."""


@dataclass
class ConsumerSettings:
    max_deliver: int = 5
    backoff_seconds: list[float] = field(default_factory=lambda: [1.0, 5.0, 15.0, 60.0])
    ack_wait_seconds: float = 30.0
    batch_size: int = 100
    batch_timeout_seconds: float = 0.5


@dataclass
class EventConsumer:
    """Handles the events of one upstream service for one consuming service."""

    consumer: str
    upstream_service: str
    handlers: Mapping[str, EventHandler]
    pool: asyncpg.Pool
    settings: ConsumerSettings = field(default_factory=ConsumerSettings)
    registry: EventRegistry = default_registry
    # Opens personal fields before the handler sees them (issue #9); set by the runtime.
    protector: Protector | None = None

    _blocked: dict[str, tuple[int, float]] = field(default_factory=dict, init=False, repr=False)

    @property
    def durable(self) -> str:
        return durable_name(self.consumer, self.upstream_service)

    @property
    def stream(self) -> str:
        return stream_name(self.upstream_service)

    def config(self) -> ConsumerConfig:
        return consumer_config(
            self.consumer,
            self.upstream_service,
            max_deliver=self.settings.max_deliver,
            ack_wait_seconds=self.settings.ack_wait_seconds,
        )

    def attach(self, broker: NatsBroker) -> None:
        """Subscribe on ``broker``; the durable consumer must be provisioned before start."""
        subscriber = broker.subscriber(
            durable=self.durable,
            stream=JStream(name=self.stream, declare=False),
            config=self.config(),
            pull_sub=PullSub(
                batch_size=self.settings.batch_size,
                timeout=self.settings.batch_timeout_seconds,
                batch=True,
            ),
            ack_policy=AckPolicy.MANUAL,
            include_in_schema=False,
        )

        async def on_batch(message: BatchMessage) -> None:
            await self.handle_batch(message.raw_message, broker)

        subscriber(on_batch)

    async def handle_batch(self, messages: list[Msg], broker: NatsBroker) -> None:
        """Apply a fetched batch in stream order, in one transaction with a savepoint each.

        One commit per batch instead of one per message (the commit's fsync dominates);
        a failing message rolls back only its own savepoint. Acks go out after the commit,
        so an acked message's effects are always durable.
        """
        failed_aggregates: set[str] = set()
        applied: list[Msg] = []
        failures: list[tuple[Msg, Envelope, Exception]] = []
        poison: list[tuple[Msg, Exception]] = []
        held_back: list[Msg] = []
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                for msg in messages:
                    try:
                        envelope = self._parse(msg)
                    except PoisonMessage as error:
                        poison.append((msg, error))
                        continue
                    if self._held_back(envelope.subject, msg, failed_aggregates):
                        # Not before the failed event of the same aggregate (order per aggregate).
                        held_back.append(msg)
                        continue
                    try:
                        async with conn.transaction():  # a savepoint
                            await self._apply(conn, envelope)
                    except Exception as error:
                        failed_aggregates.add(envelope.subject)
                        failures.append((msg, envelope, error))
                        continue
                    applied.append(msg)
                    self._blocked.pop(envelope.subject, None)
        except Exception as error:
            # The commit itself failed (e.g. the database went away): nothing took effect.
            log.warning("consumer.batch_failed", consumer=self.durable, error=repr(error))
            for msg in messages:
                await msg.nak(delay=self._delay(msg))
            return
        for msg in applied:
            await msg.ack()
        for msg in held_back:
            await msg.nak(delay=self._delay(msg))
        for msg, reason in poison:
            await self._dead_letter(msg, broker, reason)
        for msg, envelope, failure in failures:
            await self._on_failure(msg, envelope, broker, failure)

    def _held_back(self, aggregate: str, msg: Msg, failed_in_batch: set[str]) -> bool:
        """Whether an earlier event of ``aggregate`` failed and waits for its redelivery.

        Remembered across batches, since the retry comes back in a later one; forgotten when
        it succeeds or is dead-lettered, or after its retries must have run out (another
        replica may have taken it).
        """
        if aggregate in failed_in_batch:
            return True
        blocker = self._blocked.get(aggregate)
        if blocker is None:
            return False
        sequence, expires = blocker
        if time.monotonic() > expires:
            del self._blocked[aggregate]
            return False
        return bool(msg.metadata.sequence.stream > sequence)

    def _parse(self, msg: Msg) -> Envelope:
        try:
            return Envelope.from_json(msg.data)
        except ValidationError as error:
            raise PoisonMessage(f"not a valid CloudEvents envelope: {error}") from error

    async def _apply(self, conn: Connection, envelope: Envelope) -> None:
        """Record the event id and run its handler; a repeat of a handled event does nothing."""
        handler = self.handlers.get(envelope.event_name)
        if handler is None:
            EVENTS_HANDLED.labels(self.consumer, self.stream, "ignored").inc()
            return
        envelope = await open_envelope(self.protector, envelope)
        try:
            data = self.registry.decode(
                envelope.service, envelope.event_name, envelope.schema_version, envelope.data
            )
        except (UnknownEventType, ValidationError) as error:
            # Without the input values: they are clear personal data here (issue #9), and this
            # message goes to the log and the dead-letter stream.
            detail = (
                error.errors(include_input=False, include_url=False)
                if isinstance(error, ValidationError)
                else error
            )
            raise PoisonMessage(f"{envelope.type}: {detail}") from error
        structlog.contextvars.bind_contextvars(
            municipality=envelope.municipality,
            correlation_id=envelope.correlationid,
            event_id=envelope.id,
        )
        started = time.perf_counter()
        first_time = await conn.fetchval(
            "insert into processed_events (consumer, event_id) values ($1, $2::uuid)"
            " on conflict do nothing returning true",
            self.durable,
            envelope.id,
        )
        if first_time:
            await handler(conn, envelope, data)
        HANDLER_SECONDS.labels(self.consumer, self.stream).observe(time.perf_counter() - started)
        EVENTS_HANDLED.labels(
            self.consumer, self.stream, "applied" if first_time else "duplicate"
        ).inc()

    def _delay(self, msg: Msg) -> float:
        backoff = self.settings.backoff_seconds or [1.0]
        attempt = msg.metadata.num_delivered
        return backoff[min(attempt - 1, len(backoff) - 1)]

    async def _on_failure(
        self, msg: Msg, envelope: Envelope, broker: NatsBroker, error: Exception
    ) -> None:
        attempt = msg.metadata.num_delivered
        if isinstance(error, PoisonMessage) or attempt >= self.settings.max_deliver:
            self._blocked.pop(envelope.subject, None)
            await self._dead_letter(msg, broker, error)
            return
        delay = self._delay(msg)
        patience = sum(self.settings.backoff_seconds) + 2 * self.settings.ack_wait_seconds
        self._blocked[envelope.subject] = (
            msg.metadata.sequence.stream,
            time.monotonic() + patience,
        )
        EVENTS_HANDLED.labels(self.consumer, self.stream, "retried").inc()
        log.warning(
            "consumer.retry",
            consumer=self.durable,
            event_id=envelope.id,
            attempt=attempt,
            delay=delay,
            error=repr(error),
        )
        await msg.nak(delay=delay)

    async def _dead_letter(self, msg: Msg, broker: NatsBroker, error: Exception) -> None:
        meta = msg.metadata
        EVENTS_HANDLED.labels(self.consumer, self.stream, "dead_lettered").inc()
        log.error(
            "consumer.dead_letter",
            consumer=self.durable,
            subject=msg.subject,
            stream_seq=meta.sequence.stream,
            attempts=meta.num_delivered,
            error=repr(error),
        )
        await broker.publish(
            msg.data,
            subject=f"{DEAD_LETTER_PREFIX}.{self.consumer}.{self.stream}",
            headers={
                "Nats-Msg-Id": f"dlq-{self.durable}-{meta.sequence.stream}",
                "Asist-Original-Subject": msg.subject,
                "Asist-Stream-Sequence": str(meta.sequence.stream),
                "Asist-Attempts": str(meta.num_delivered),
                "Asist-Error": repr(error)[:1000],
            },
            stream=DEAD_LETTER_STREAM,
        )
        await msg.term()
