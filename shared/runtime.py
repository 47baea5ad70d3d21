"""The composition root every service shares: database, bus, relay, consumers, readiness.

A service declares what it owns (:class:`ServiceDefinition`); the runtime creates its
database, applies migrations, provisions its stream, the dead-letter stream and its
durable consumers, starts the outbox relay and the subscribers, and only then reports ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from shared.availability import Availability
from shared.bus.connection import connect, connection_callbacks, nats_options
from shared.bus.consumer import FASTSTREAM_LOG_LEVEL, ConsumerSettings, EventConsumer
from shared.bus.nats_auth import broker_security
from shared.bus.provisioning import (
    ensure_consumer,
    ensure_dead_letter_stream,
    ensure_service_stream,
)
from shared.events.registry import EventRegistry
from shared.events.registry import registry as default_registry
from shared.logging import get_logger
from shared.privacy.protect import Protector, SealedOnly
from shared.privacy.setup import open_protector
from shared.settings import Settings
from shared.store.db import SHARED_MIGRATIONS, apply_migrations, database_dsn, ensure_database
from shared.store.eventstore import EventStore
from shared.store.outbox import OutboxRelay
from shared.supervision import Supervisor, TaskHealth

log = get_logger(__name__)

# SIGTERM must stop a service within 5 s in every state (issue #19): the steps of stop()
# share this budget, and serve() exits hard if a stop still overruns it.
STOP_SECONDS = 4.0
# The relay beats at least every poll; one that has not for this long is stuck.
RELAY_STALL_SECONDS = 60.0
DATABASE_PROBE_SECONDS = 1.0

ConsumerFactory = Callable[["ServiceRuntime"], list[EventConsumer]]
# A long-running job of the service (e.g. a deadline watch): runs until the event is set.
BackgroundJob = Callable[["ServiceRuntime", asyncio.Event], Coroutine[Any, Any, None]]


@dataclass
class ServiceDefinition:
    name: str
    migrations: Path | None = None
    consumers: ConsumerFactory = field(default=lambda runtime: [])
    # Whether the service publishes its own events (the reporting consumer does not).
    publishes: bool = True
    background: list[BackgroundJob] = field(default_factory=list)
    # Whether it may read personal fields (issue #9); False: no keys, it sees ciphertext only.
    personal_data: bool = True


class ServiceRuntime:
    def __init__(
        self,
        definition: ServiceDefinition,
        settings: Settings,
        registry: EventRegistry = default_registry,
    ) -> None:
        self.definition = definition
        self.name = definition.name
        self.settings = settings
        self.registry = registry
        self.store = EventStore(definition.name, registry)
        self.consumer_settings = ConsumerSettings(
            max_deliver=settings.consumer_max_deliver,
            backoff_seconds=list(settings.consumer_backoff_seconds),
            ack_wait_seconds=settings.consumer_ack_wait_seconds,
            batch_size=settings.consumer_batch_size,
            batch_timeout_seconds=settings.consumer_batch_timeout_seconds,
        )
        self._pool: asyncpg.Pool | None = None
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self.broker: NatsBroker | None = None
        self.consumers: list[EventConsumer] = []
        self.relay: OutboxRelay | None = None
        self.protector: Protector | None = None
        self._stop = asyncio.Event()
        self.supervisor = Supervisor(self._stop, service=definition.name)
        self._side_tasks: list[asyncio.Task[None]] = []
        self.database_state = Availability("database", definition.name)
        # Called when the NATS connection closed for good; serve() makes it end the process,
        # so that a supervisor (systemd, `./asist up`) starts a fresh one.
        self.on_fatal: Callable[[str], None] | None = None
        self.fatal: str | None = None
        self.ready = False
        # A consumer whose messages wait this long without any acknowledgement is stuck:
        # longer than a retried message may legitimately wait (its back-off delays plus
        # two ack waits), and at least two minutes.
        self.consumer_stall_seconds = max(
            120.0,
            sum(settings.consumer_backoff_seconds) + 2 * settings.consumer_ack_wait_seconds,
        )
        self._starting: tuple[asyncio.Task[Any] | None, asyncio.AbstractEventLoop | None] = (
            None,
            None,
        )

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "runtime not started"
        return self._pool

    @property
    def js(self) -> JetStreamContext:
        assert self._js is not None, "runtime not started"
        return self._js

    @property
    def database(self) -> str:
        return self.settings.database_name(self.name)

    def abort_start(self) -> None:
        """Cancel a start still in progress (e.g. waiting for NATS): SIGTERM must work then too.

        Safe to call from a signal handler: the cancel is handed to the event loop.
        """
        task, loop = self._starting
        if task is not None and loop is not None and not self.ready:
            loop.call_soon_threadsafe(task.cancel)

    async def start(self) -> None:
        self._starting = (asyncio.current_task(), asyncio.get_running_loop())
        try:
            await self._start()
        finally:
            self._starting = (None, None)

    async def _start(self) -> None:
        settings = self.settings
        _quiet_asyncpg_pool()
        await ensure_database(settings.database_url, self.database)
        self._pool = await asyncpg.create_pool(
            database_dsn(settings.database_url, self.database),
            min_size=2,
            max_size=10,
            timeout=5,  # connecting; an unreachable server must not hold a request for 60 s
        )
        folders = [SHARED_MIGRATIONS]
        if self.definition.migrations is not None:
            folders.append(self.definition.migrations)
        async with self._pool.acquire() as conn:
            applied = await apply_migrations(conn, *folders)
        log.info("migrations.applied", service=self.name, applied=applied)

        self._nc = await connect(settings, f"asist-{self.name}", on_closed=self._nats_closed)
        self._js = self._nc.jetstream()
        # Personal fields are sealed on append and opened on read and consume (issue #9).
        if self.definition.personal_data:
            self.protector, watch = await open_protector(
                self._js, settings, self.registry, self._stop
            )
            self._side_tasks.append(watch)  # ends when the service stops
        else:
            self.protector = SealedOnly(self.registry)
        self.store.protector = self.protector
        await ensure_dead_letter_stream(self._js, settings.stream_replicas)
        if self.definition.publishes:
            await ensure_service_stream(self._js, self.name, settings.stream_replicas)

        self.consumers = self.definition.consumers(self)
        broker_name = f"asist-{self.name}-consumers"
        self.broker = NatsBroker(
            **nats_options(settings, broker_name),
            **connection_callbacks(broker_name, on_closed=self._nats_closed),
            # In-flight handlers get this long on stop; unacked messages are redelivered.
            graceful_timeout=1.5,
            # FastStream logs a traceback per failed reconnect attempt; ours log changes only.
            logger=_quiet_faststream_logger(),
            log_level=FASTSTREAM_LOG_LEVEL,
            security=broker_security(settings),
        )
        for consumer in self.consumers:
            consumer.protector = self.protector
            # The upstream stream may not exist yet if its producer never started.
            await ensure_service_stream(
                self._js, consumer.upstream_service, settings.stream_replicas
            )
            await ensure_consumer(self._js, consumer.stream, consumer.config())
            consumer.attach(self.broker)
        await self.broker.start()

        if self.definition.publishes:
            self.relay = OutboxRelay(
                self._pool,
                self._js,
                batch_size=settings.relay_batch_size,
                poll_seconds=settings.relay_poll_seconds,
            )
            self.supervisor.start("relay", self._run_relay, stall_after=RELAY_STALL_SECONDS)
        for job in self.definition.background:
            self.supervisor.start(job.__name__, self._job_runner(job))
        self.supervisor.start(
            "database-watch", self._watch_database, stall_after=10 * DATABASE_PROBE_SECONDS + 5
        )
        self.ready = True
        log.info("service.ready", service=self.name)

    async def _run_relay(self, health: TaskHealth) -> None:
        assert self.relay is not None
        await self.relay.run(self._stop, on_progress=health.beat)

    def _job_runner(self, job: BackgroundJob) -> Callable[[TaskHealth], Awaitable[None]]:
        async def run(_: TaskHealth) -> None:
            await job(self, self._stop)

        return run

    async def _watch_database(self, health: TaskHealth) -> None:
        """Probe the database: the one place that logs it coming back (and going, if idle)."""
        while not self._stop.is_set():
            try:
                await self.probe_database()
            except Exception as error:
                self.database_state.mark_down(error)
            else:
                self.database_state.mark_up()
            health.beat()
            await _wait(self._stop, DATABASE_PROBE_SECONDS if not self.database_state.up else 5.0)

    async def probe_database(self) -> None:
        async with self.pool.acquire(timeout=2) as conn:
            await conn.fetchval("select 1", timeout=2)

    async def _nats_closed(self) -> None:
        # With max_reconnect_attempts=-1 this happens only on stop, or when the server
        # refuses us for good (e.g. credentials): then a fresh process is the way out.
        if self._stop.is_set():
            return
        self.fatal = "the NATS connection closed and will not reconnect"
        self.ready = False
        log.error("service.fatal", service=self.name, reason=self.fatal)
        if self.on_fatal is not None:
            self.on_fatal(self.fatal)

    def consumer_health(self) -> dict[str, bool]:
        """Whether each subscriber's fetch loop runs (FastStream restarts one that fails)."""
        health: dict[str, bool] = {}
        for subscriber in self.broker.subscribers if self.broker is not None else []:
            durable = getattr(subscriber, "extra_options", {}).get("durable") or "subscriber"
            tasks: list[asyncio.Task[Any]] = getattr(subscriber, "tasks", [])
            health[f"consumer:{durable}"] = bool(subscriber.running) and any(
                not task.done() for task in tasks
            )
        return health

    async def background_tasks(self) -> dict[str, str]:
        """Every background task by name: ``running``, or what is wrong with it.

        The supervised ones (relay, jobs, database probe), each consumer's fetch loop, and
        each consumer's progress as JetStream sees it: messages waiting while none was
        acknowledged for ``consumer_stall_seconds`` means a handler is stuck.
        """
        details = {name: task.describe() for name, task in self.supervisor.tasks.items()}
        for name, ok in self.consumer_health().items():
            details[name] = "running" if ok else "not running"
        for name, stalled in (await self._stalled_consumers()).items():
            if details.get(name) == "running":
                details[name] = stalled
        return details

    async def _stalled_consumers(self) -> dict[str, str]:
        stalled: dict[str, str] = {}
        if self._js is None or self._nc is None or not self._nc.is_connected:
            return stalled  # /ready already fails on "nats"
        now = datetime.now(UTC)
        for consumer in self.consumers:
            try:
                info = await asyncio.wait_for(
                    self._js.consumer_info(consumer.stream, consumer.durable), 1.0
                )
            except Exception:
                continue  # cannot tell now; the next /ready asks again
            waiting = (info.num_pending or 0) + (info.num_ack_pending or 0)
            last_ack = (info.ack_floor.last_active if info.ack_floor else None) or info.created
            idle = (now - last_ack).total_seconds()
            if waiting and idle > self.consumer_stall_seconds:
                stalled[f"consumer:{consumer.durable}"] = (
                    f"no progress for {idle:.0f}s with {waiting} message(s) waiting"
                )
        return stalled

    async def check_ready(self) -> dict[str, bool]:
        """What /ready reports: every dependency reachable right now."""
        checks = {"started": self.ready, "database": False, "nats": False}
        if self._pool is not None:
            try:
                await self.probe_database()
            except Exception as error:
                self.database_state.mark_down(error)
            else:
                checks["database"] = True
                self.database_state.mark_up()
        checks["nats"] = self._nc is not None and self._nc.is_connected
        return checks

    def bus_available(self) -> bool:
        """Whether events committed now will reach the bus soon (NATS up, relay running)."""
        connected = self._nc is not None and self._nc.is_connected
        relay = self.supervisor.tasks.get("relay")
        return connected and (relay is None or relay.healthy())

    async def stop(self) -> None:
        """Stop within STOP_SECONDS in every state: each step is bounded, then forced."""
        self.ready = False
        self._stop.set()
        await self.supervisor.stop(grace=1.0)
        for task in self._side_tasks:
            task.cancel()
        if self.broker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.broker.stop(), timeout=2.0)
        if self._nc is not None:
            try:
                await asyncio.wait_for(self._nc.drain(), timeout=0.5)
            except Exception:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._nc.close(), timeout=0.5)
        if self._pool is not None:
            try:
                await asyncio.wait_for(self._pool.close(), timeout=0.5)
            except Exception:
                self._pool.terminate()


class _NoPoolFloorRetries(logging.Filter):
    """asyncpg logs a traceback each time it fails to refill a pool (every 1-60 s per pool)
    while the server is down; ``database.down``/``database.up`` say the same once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to restore the pool connection floor")


def _quiet_asyncpg_pool() -> None:
    pool_logger = logging.getLogger("asyncpg.pool")
    if not any(isinstance(f, _NoPoolFloorRetries) for f in pool_logger.filters):
        pool_logger.addFilter(_NoPoolFloorRetries())


def _quiet_faststream_logger() -> logging.Logger:
    logger = logging.getLogger("faststream.asist")
    logger.setLevel(logging.ERROR)
    return logger


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
