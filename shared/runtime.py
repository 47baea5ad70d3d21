"""The composition root every service shares: database, bus, relay, consumers, readiness.

A service declares what it owns (:class:`ServiceDefinition`); the runtime creates its
database, applies migrations, provisions its stream, the dead-letter stream and its
durable consumers, starts the outbox relay and the subscribers, and only then reports ready.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import nats
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from shared.bus.consumer import ConsumerSettings, EventConsumer
from shared.bus.nats_auth import broker_security, nats_auth
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

log = get_logger(__name__)

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
        self._tasks: list[asyncio.Task[None]] = []
        self.ready = False

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

    async def start(self) -> None:
        settings = self.settings
        await ensure_database(settings.database_url, self.database)
        self._pool = await asyncpg.create_pool(
            database_dsn(settings.database_url, self.database), min_size=2, max_size=10
        )
        folders = [SHARED_MIGRATIONS]
        if self.definition.migrations is not None:
            folders.append(self.definition.migrations)
        async with self._pool.acquire() as conn:
            applied = await apply_migrations(conn, *folders)
        log.info("migrations.applied", service=self.name, applied=applied)

        self._nc = await nats.connect(
            settings.nats_url, name=f"asist-{self.name}", **nats_auth(settings)
        )
        self._js = self._nc.jetstream()
        # Personal fields are sealed on append and opened on read and consume (issue #9).
        if self.definition.personal_data:
            self.protector, watch = await open_protector(
                self._js, settings, self.registry, self._stop
            )
            self._tasks.append(watch)
        else:
            self.protector = SealedOnly(self.registry)
        self.store.protector = self.protector
        await ensure_dead_letter_stream(self._js, settings.stream_replicas)
        if self.definition.publishes:
            await ensure_service_stream(self._js, self.name, settings.stream_replicas)

        self.consumers = self.definition.consumers(self)
        self.broker = NatsBroker(
            settings.nats_url, graceful_timeout=10.0, security=broker_security(settings)
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
            self._tasks.append(asyncio.create_task(self.relay.run(self._stop), name="relay"))
        for job in self.definition.background:
            self._tasks.append(asyncio.create_task(job(self, self._stop), name=job.__name__))
        self.ready = True
        log.info("service.ready", service=self.name)

    async def check_ready(self) -> dict[str, bool]:
        """What /ready reports: every dependency reachable right now."""
        checks = {"started": self.ready, "database": False, "nats": False}
        if self._pool is not None:
            with contextlib.suppress(Exception):
                async with self._pool.acquire(timeout=2) as conn:
                    checks["database"] = await conn.fetchval("select true") is True
        checks["nats"] = self._nc is not None and self._nc.is_connected
        return checks

    async def stop(self) -> None:
        self.ready = False
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
        if self.broker is not None:
            await self.broker.stop()
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.drain()
        if self._pool is not None:
            await self._pool.close()
