"""Replays of the upstream streams: ``rebuild`` and the catch-up of unhandled history.

The reporting service publishes nothing and keeps no event store of its own (it would be
a copy of every municipality's personal data); its source of truth is the four producing
streams on JetStream. Both replays read a stream from its first message with an
ephemeral consumer and apply each event exactly as the durable consumer does: the event
id goes into ``processed_events`` under the durable's name, so an event the live consumer
handles at the same time is applied once, whoever comes first.

- ``rebuild``: empties the figures and replays every stream up to its last message, in one
  transaction (the live consumer waits for it, then skips what the rebuild applied).
- ``catch_up``: once per database and stream, replays what the durable consumer had
  acknowledged before this database knew of it. Durables of an earlier version of the
  service acknowledged every event without handling it (issue 18), and a durable outlives
  a dropped database: in both cases history would otherwise never reach the handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from services.reporting.consumers import durables, handlers
from services.reporting.projection import Projection, clear
from shared.bus.consumer import EventHandler
from shared.bus.provisioning import service_subjects
from shared.events.envelope import Envelope, stream_name
from shared.events.registry import UnknownEventType, registry
from shared.logging import get_logger
from shared.store.types import Connection

log = get_logger(__name__)
FETCH = 500


async def last_sequence(js: JetStreamContext, service: str) -> int:
    try:
        info = await js.stream_info(stream_name(service))
    except NotFoundError:
        return 0
    return int(info.state.last_seq)


async def stream_batches(
    js: JetStreamContext, service: str, up_to: int
) -> AsyncIterator[list[Msg]]:
    """The stream's messages 1..``up_to`` in order, in batches (an ephemeral consumer)."""
    if up_to <= 0:
        return
    subject = service_subjects(service)
    sub = await js.pull_subscribe(
        subject,
        stream=stream_name(service),
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.NONE,
            filter_subject=subject,
            inactive_threshold=30.0,
        ),
    )
    try:
        reached = 0
        while reached < up_to:
            try:
                batch = await sub.fetch(FETCH, timeout=2.0)
            except TimeoutError:
                return  # the stream has fewer messages than its last sequence (deleted ones)
            wanted = [m for m in batch if m.metadata.sequence.stream <= up_to]
            reached = batch[-1].metadata.sequence.stream
            if wanted:
                yield wanted
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def apply_once(
    conn: Connection, durable: str, known: Mapping[str, EventHandler], msg: Msg
) -> bool:
    """Apply one message as the durable consumer would; False if nothing was done."""
    try:
        envelope = Envelope.from_json(msg.data)
        handler = known.get(envelope.event_name)
        if handler is None:
            return False
        data = registry.decode(
            envelope.service, envelope.event_name, envelope.schema_version, envelope.data
        )
    except (ValidationError, UnknownEventType) as error:
        # The live consumer dead-letters such a message; a replay skips it alike.
        log.warning(
            "replay.skipped",
            durable=durable,
            seq=msg.metadata.sequence.stream,
            error=type(error).__name__,
        )
        return False
    first_time = await conn.fetchval(
        "insert into processed_events (consumer, event_id) values ($1, $2::uuid)"
        " on conflict do nothing returning true",
        durable,
        envelope.id,
    )
    if first_time:
        await handler(conn, envelope, data)
    return bool(first_time)


async def _replay_stream(
    conn: Connection, js: JetStreamContext, projection: Projection, service: str, up_to: int
) -> int:
    durable = durables()[service]
    known = handlers(projection)[service]
    applied = 0
    async for batch in stream_batches(js, service, up_to):
        for msg in batch:
            async with conn.transaction():  # a savepoint: one bad event spoils nothing else
                applied += await apply_once(conn, durable, known, msg)
    return applied


async def rebuild(conn: Connection, js: JetStreamContext) -> int:
    """Empty the figures and replay every stream from its start; returns events applied."""
    projection = Projection()
    applied = 0
    async with conn.transaction():
        # Every table at once, processed_events first: a live batch that already recorded
        # an id finishes before the rebuild starts (no deadlock), every later one waits
        # for the rebuild's commit and then finds the ids it recorded. Messages published
        # after the last sequence read below are left to the live consumer.
        await conn.execute(
            "lock table processed_events, monthly_reports, entities, figure_rows,"
            " history_replayed in access exclusive mode"
        )
        await clear(conn)
        await conn.execute(
            "delete from processed_events where consumer = any($1::text[])",
            list(durables().values()),
        )
        for service in durables():
            up_to = await last_sequence(js, service)
            applied += await _replay_stream(conn, js, projection, service, up_to)
            await _mark(conn, stream_name(service), up_to)
    return applied


async def _mark(conn: Connection, stream: str, up_to: int) -> None:
    await conn.execute(
        "insert into history_replayed (stream, up_to_seq) values ($1, $2)"
        " on conflict (stream) do update set up_to_seq = excluded.up_to_seq",
        stream,
        up_to,
    )


async def catch_up(pool: asyncpg.Pool, js: JetStreamContext, projection: Projection) -> int:
    """Replay, once per database, what each durable acknowledged before (see the docstring)."""
    applied = 0
    for service, durable in durables().items():
        stream = stream_name(service)
        async with pool.acquire() as conn:
            if await conn.fetchval("select 1 from history_replayed where stream = $1", stream):
                continue
            try:
                info = await js.consumer_info(stream, durable)
                up_to = int(info.ack_floor.stream_seq or 0) if info.ack_floor else 0
            except NotFoundError:
                up_to = 0
            done = 0
            known = handlers(projection)[service]
            async for batch in stream_batches(js, service, up_to):
                async with conn.transaction():
                    for msg in batch:
                        async with conn.transaction():
                            done += await apply_once(conn, durable, known, msg)
            await _mark(conn, stream, up_to)
        if done:
            log.info("replay.caught_up", durable=durable, up_to_seq=up_to, applied=done)
        applied += done
    return applied


async def watch_history(pool: asyncpg.Pool, js: JetStreamContext, stop: asyncio.Event) -> None:
    """Background job: the catch-up, retried until it has run once (e.g. NATS was away)."""
    projection = Projection()
    while not stop.is_set():
        try:
            await catch_up(pool, js, projection)
            return
        except Exception as error:  # retried: the live consumer goes on meanwhile
            log.warning("replay.catch_up_failed", error=repr(error))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 5.0)
