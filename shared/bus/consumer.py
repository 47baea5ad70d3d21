"""Durable pull consumers on FastStream with exactly-once effects (architecture.md §5).

For each upstream stream a service reads, one durable pull consumer ``<consumer>-<STREAM>``
fetches batches; a ``batch=True`` handler gets them as a list in stream order and handles
them one by one, so one aggregate's events are never reordered (architecture.md §8: a
per-message handler with ``batch_size>1`` runs the batch concurrently and reorders it).

The fast path (issue #14): a fetched batch is applied in one transaction without
savepoints. One statement records the event ids of the whole batch in
``processed_events`` and says which are new; only those reach their handlers, in stream
order; acks go out after the commit. A handler may take a run of consecutive events at once
(``batch_handlers``: one ``executemany`` instead of a statement per event); the run is of
one type, or of several when one function is registered for each of them.

A batch in which a handler failed is rolled back and applied again one message at a time,
each in a savepoint, so that only the failing message is retried. A failure naks with a
growing delay; at the last allowed delivery the message is copied to the dead-letter
stream with the error and terminated, and the consumer goes on. After a failure, later
messages of the same aggregate in the batch are nak'd too, so they are not applied before
the one that failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
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

from shared.availability import database_unavailable, wait_until_reachable
from shared.bus.heartbeat import in_progress_while
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
# Takes consecutive events of one type, in stream order (e.g. one executemany for all).
BatchEventHandler = Callable[[Connection, Sequence[tuple[Envelope, BaseModel]]], Awaitable[None]]

# FastStream logs every fetched batch at INFO; at DEBUG it costs nothing (architecture.md §8:
# about a quarter of the throughput). Pass to NatsBroker(log_level=...).
FASTSTREAM_LOG_LEVEL = logging.DEBUG

EVENTS_HANDLED = Counter(
    "asist_events_handled_total", "Events handled by consumers", ["consumer", "stream", "outcome"]
)
HANDLER_SECONDS = Histogram(
    "asist_event_handler_seconds", "Time to handle one event", ["consumer", "stream"]
)


class DatabaseUnavailable(RuntimeError):
    """A batch failed because the database cannot be reached (issue #19): retried whole."""


class PoisonMessage(ValueError):
    """A message that can never be handled (not a valid envelope or event): no retries."""


class _HandlerFailed(Exception):
    """Raised out of the fast path's transaction so that it rolls back."""

    def __init__(self, failed: Msg | None, error: Exception) -> None:
        super().__init__(repr(error))
        self.failed = failed  # None when a batch handler failed: which event is unknown
        self.error = error


@dataclass
class _Parsed:
    msg: Msg
    envelope: Envelope
    data: BaseModel | None  # None: no handler for this type (ignored)


@dataclass
class ConsumerSettings:
    max_deliver: int = 5
    backoff_seconds: list[float] = field(default_factory=lambda: [1.0, 5.0, 15.0, 60.0])
    ack_wait_seconds: float = 30.0
    batch_size: int = 100
    batch_timeout_seconds: float = 0.05  # see Settings.consumer_batch_timeout_seconds


@dataclass
class EventConsumer:
    """Handles the events of one upstream service for one consuming service."""

    consumer: str
    upstream_service: str
    handlers: Mapping[str, EventHandler]
    pool: asyncpg.Pool
    settings: ConsumerSettings = field(default_factory=ConsumerSettings)
    registry: EventRegistry = default_registry
    batch_handlers: Mapping[str, BatchEventHandler] = field(default_factory=dict)
    # Opens personal fields before the handler sees them (issue #9); set by the runtime.
    protector: Protector | None = None

    _blocked: dict[str, tuple[int, float]] = field(default_factory=dict, init=False, repr=False)
    # Stream sequences of events held back behind a blocker, per aggregate. When the blocker
    # is applied, the earliest of these becomes the blocker: held-back events come back with
    # their own nak delays (which differ with their delivery counts), so without this a
    # later one could be applied before an earlier one (seen: [1, 3, 2]).
    _waiting: dict[str, set[int]] = field(default_factory=dict, init=False, repr=False)

    @property
    def durable(self) -> str:
        return durable_name(self.consumer, self.upstream_service)

    @property
    def stream(self) -> str:
        return stream_name(self.upstream_service)

    def config(self) -> ConsumerConfig:
        """Only the subjects of the events it handles (issue 18): what it cannot handle is
        never delivered, so never acknowledged, and a handler added later still gets the
        history (``ensure_consumer``)."""
        return consumer_config(
            self.consumer,
            self.upstream_service,
            max_deliver=self.settings.max_deliver,
            ack_wait_seconds=self.settings.ack_wait_seconds,
            events=[*self.handlers, *self.batch_handlers],
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
            batch = message.raw_message
            async with in_progress_while(batch, self.settings.ack_wait_seconds):
                while True:
                    try:
                        await self.handle_batch(batch, broker)
                        return
                    except DatabaseUnavailable as error:
                        # Keep the batch (in progress) until the database answers again.
                        log.warning(
                            "consumer.waiting_for_database", consumer=self.durable, error=str(error)
                        )
                        await wait_until_reachable(self.pool)
                        log.info("consumer.database_back", consumer=self.durable)

        subscriber(on_batch)

    async def handle_batch(self, messages: list[Msg], broker: NatsBroker) -> None:
        """Apply a fetched batch in stream order, in one transaction; ack after the commit.

        One commit per batch instead of one per message (the commit's fsync dominates).
        Acks go out after the commit, so an acked message's effects are always durable.
        """
        parsed: list[_Parsed] = []
        poison: list[tuple[Msg, Exception]] = []
        held_back: list[Msg] = []
        slow = False  # a message that must fail alone: take the per-message path at once
        # Aggregates whose blocker came back in this batch, with the sequences taken since.
        retried_here: dict[str, set[int]] = {}
        for msg in messages:
            try:
                envelope = self._parse(msg)
            except PoisonMessage as error:
                poison.append((msg, error))
                continue
            blocker = self._blocked.get(envelope.subject)
            sequence = msg.metadata.sequence.stream
            if blocker is not None and sequence == blocker[0]:
                retried_here[envelope.subject] = {sequence}  # later ones may follow it here
            elif not self._follows(envelope.subject, sequence, retried_here) and self._held_back(
                envelope.subject, msg, set()
            ):
                held_back.append(msg)  # not before an earlier failed event of its aggregate
                self._hold(envelope.subject, msg)
                continue
            try:
                if self._handles(envelope):
                    # Personal fields opened for the handler (issue #9); not for events this
                    # consumer skips, which would cost key look-ups for nothing.
                    envelope = await open_envelope(self.protector, envelope)
                parsed.append(_Parsed(msg, envelope, self._decode(envelope)))
            except PoisonMessage:
                slow = True
                parsed.append(_Parsed(msg, envelope, None))
        if parsed:
            try:
                if slow:
                    await self._one_by_one(parsed, broker, None)
                else:
                    await self._fast(parsed)
            except _HandlerFailed as failure:
                await self._one_by_one(parsed, broker, failure)
            except Exception as error:
                # The commit itself failed (e.g. the database went away): nothing took effect.
                if database_unavailable(error):
                    # As on the per-message path: the caller keeps the batch and waits.
                    raise DatabaseUnavailable(repr(error)) from error
                log.warning("consumer.batch_failed", consumer=self.durable, error=repr(error))
                for item in parsed:
                    await item.msg.nak(delay=self._delay(item.msg))
        for msg in held_back:
            await msg.nak(delay=self._delay(msg))
        for msg, reason in poison:
            await self._dead_letter(msg, broker, reason)

    async def _fast(self, batch: list[_Parsed]) -> None:
        """The happy path: one transaction, one statement for the idempotency check, no
        savepoints. A failing handler raises :class:`_HandlerFailed` (rolled back)."""
        handled = [item for item in batch if item.data is not None]
        outcomes = {"applied": 0, "duplicate": 0, "ignored": len(batch) - len(handled)}
        async with self.pool.acquire() as conn, conn.transaction():
            new = await self._record_processed(conn, [item.envelope.id for item in handled])
            run: list[_Parsed] = []
            for item in handled:
                if item.envelope.id not in new:
                    outcomes["duplicate"] += 1
                    continue
                new.discard(item.envelope.id)  # the same event twice in one batch: once
                outcomes["applied"] += 1
                name = item.envelope.event_name
                if name in self.batch_handlers:
                    # A run ends where the handler changes: one function registered for
                    # several types gets their consecutive events together.
                    if run and self._batch_handler_of(run) is not self.batch_handlers[name]:
                        await self._run_batch_handler(conn, run)
                        run = []
                    run.append(item)
                    continue
                if run:
                    await self._run_batch_handler(conn, run)
                    run = []
                assert item.data is not None
                await self._run_handler(conn, item.envelope, item.data, fail_as=item.msg)
            if run:
                await self._run_batch_handler(conn, run)
        for item in batch:
            self._applied(item.envelope.subject, item.msg)
            await item.msg.ack()
        for outcome, count in outcomes.items():
            if count:
                EVENTS_HANDLED.labels(self.consumer, self.stream, outcome).inc(count)

    async def _record_processed(self, conn: Connection, event_ids: list[str]) -> set[str]:
        """Insert the batch's event ids; returns those that were not there yet."""
        if not event_ids:
            return set()
        inserted = await conn.fetchval(
            "with new as (insert into processed_events (consumer, event_id)"
            " select $1, id from unnest($2::uuid[]) as u(id) on conflict do nothing"
            " returning event_id)"
            " select coalesce(array_agg(event_id::text), '{}') from new",
            self.durable,
            event_ids,
        )
        return set(inserted)

    async def _run_handler(
        self, conn: Connection, envelope: Envelope, data: BaseModel, fail_as: Msg | None
    ) -> None:
        structlog.contextvars.bind_contextvars(
            municipality=envelope.municipality,
            correlation_id=envelope.correlationid,
            event_id=envelope.id,
        )
        started = time.perf_counter()
        try:
            await self.handlers[envelope.event_name](conn, envelope, data)
        except Exception as error:
            raise _HandlerFailed(fail_as, error) from error
        HANDLER_SECONDS.labels(self.consumer, self.stream).observe(time.perf_counter() - started)

    def _batch_handler_of(self, run: list[_Parsed]) -> BatchEventHandler:
        return self.batch_handlers[run[0].envelope.event_name]

    async def _run_batch_handler(self, conn: Connection, run: list[_Parsed]) -> None:
        started = time.perf_counter()
        events = [(item.envelope, item.data) for item in run if item.data is not None]
        try:
            await self._batch_handler_of(run)(conn, events)
        except Exception as error:
            # Which event of the run failed is unknown: the per-message path finds out.
            raise _HandlerFailed(None, error) from error
        each = (time.perf_counter() - started) / len(run)
        histogram = HANDLER_SECONDS.labels(self.consumer, self.stream)
        for _ in run:
            histogram.observe(each)

    async def _one_by_one(
        self, batch: list[_Parsed], broker: NatsBroker, failure: _HandlerFailed | None
    ) -> None:
        """The path of a failed batch: one savepoint per message, so that a failing message
        rolls back only itself. The message that failed on the fast path is not run again
        in this delivery (its handler runs once per delivery)."""
        failed_aggregates: set[str] = set()
        applied: list[Msg] = []
        failures: list[tuple[Msg, Envelope, Exception]] = []
        held_back: list[Msg] = []
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                for item in batch:
                    msg, envelope = item.msg, item.envelope
                    if envelope.subject in failed_aggregates:
                        held_back.append(msg)  # not before the failed event of its aggregate
                        self._hold(envelope.subject, msg)
                        continue
                    if failure is not None and failure.failed is msg:
                        failed_aggregates.add(envelope.subject)
                        failures.append((msg, envelope, failure.error))
                        continue
                    try:
                        async with conn.transaction():  # a savepoint
                            await self._apply(conn, envelope)
                    except _HandlerFailed as error:
                        failed_aggregates.add(envelope.subject)
                        failures.append((msg, envelope, error.error))
                        continue
                    except Exception as error:
                        failed_aggregates.add(envelope.subject)
                        failures.append((msg, envelope, error))
                        continue
                    applied.append(msg)
                    self._applied(envelope.subject, msg)
        except Exception as error:
            # The commit itself failed (e.g. the database went away): nothing took effect.
            if database_unavailable(error):
                # Not the messages' fault: naks would spend their deliveries and send them
                # to the dead letters during a long outage; the caller waits, then retries.
                raise DatabaseUnavailable(repr(error)) from error
            log.warning("consumer.batch_failed", consumer=self.durable, error=repr(error))
            for item in batch:
                await item.msg.nak(delay=self._delay(item.msg))
            return
        for msg in applied:
            await msg.ack()
        for msg in held_back:
            await msg.nak(delay=self._delay(msg))
        for msg, envelope, reason in failures:
            await self._on_failure(msg, envelope, broker, reason)

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
            self._waiting.pop(aggregate, None)
            return False
        return bool(msg.metadata.sequence.stream > sequence)

    def _expiry(self) -> float:
        # After this long a blocker's retries must have run out (or another replica has it).
        patience = sum(self.settings.backoff_seconds) + 2 * self.settings.ack_wait_seconds
        return time.monotonic() + patience

    def _follows(self, aggregate: str, sequence: int, retried_here: dict[str, set[int]]) -> bool:
        """Whether this event may follow its aggregate's blocker that came back in this batch:
        only when every event held back before it is in the batch too (and taken already)."""
        taken = retried_here.get(aggregate)
        if taken is None:
            return False
        earlier = {w for w in self._waiting.get(aggregate, set()) if w < sequence}
        if not earlier <= taken:
            return False
        taken.add(sequence)
        return True

    def _hold(self, aggregate: str, msg: Msg) -> None:
        self._waiting.setdefault(aggregate, set()).add(msg.metadata.sequence.stream)

    def _applied(self, aggregate: str, msg: Msg) -> None:
        """``msg`` of ``aggregate`` is done: the earliest event held behind it blocks next."""
        waiting = self._waiting.get(aggregate)
        if waiting is not None:
            waiting.discard(msg.metadata.sequence.stream)
        if waiting:
            self._blocked[aggregate] = (min(waiting), self._expiry())
        else:
            self._blocked.pop(aggregate, None)
            self._waiting.pop(aggregate, None)

    def _parse(self, msg: Msg) -> Envelope:
        try:
            return Envelope.from_json(msg.data)
        except ValidationError as error:
            raise PoisonMessage(f"not a valid CloudEvents envelope: {error}") from error

    def _handles(self, envelope: Envelope) -> bool:
        name = envelope.event_name
        return name in self.handlers or name in self.batch_handlers

    def _decode(self, envelope: Envelope) -> BaseModel | None:
        """The event's data for its handler; None when this consumer has no handler for it."""
        if not self._handles(envelope):
            return None
        try:
            return self.registry.decode(
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

    async def _apply(self, conn: Connection, envelope: Envelope) -> None:
        """Record the event id and run its handler; a repeat of a handled event does nothing."""
        data = self._decode(envelope)
        if data is None:
            EVENTS_HANDLED.labels(self.consumer, self.stream, "ignored").inc()
            return
        first_time = await conn.fetchval(
            "insert into processed_events (consumer, event_id) values ($1, $2::uuid)"
            " on conflict do nothing returning true",
            self.durable,
            envelope.id,
        )
        if first_time:
            if envelope.event_name in self.batch_handlers:
                await self.batch_handlers[envelope.event_name](conn, [(envelope, data)])
            else:
                await self._run_handler(conn, envelope, data, fail_as=None)
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
            self._applied(envelope.subject, msg)  # done with it: the next one may go
            await self._dead_letter(msg, broker, error)
            return
        delay = self._delay(msg)
        self._blocked[envelope.subject] = (msg.metadata.sequence.stream, self._expiry())
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
