"""Test harness: starts its own NATS (JetStream) and PostgreSQL, unless the environment names them.

Integration and end-to-end tests run against these real servers (no fakes). Each test gets
fresh databases and unique stream names or subjects, so tests never see each other's data.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import httpx
import nats
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from shared.bus.nats_auth import nats_auth
from shared.settings import Settings
from shared.store.db import SHARED_MIGRATIONS, apply_migrations, database_dsn, ensure_database

if TYPE_CHECKING:
    from deploy.stack import Stack

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Servers:
    nats_url: str
    database_url: str
    # The operator's tool user of the services' account, and ASIST_MASTER_KEY (issue #9).
    nats_user: str = ""
    nats_password: str = ""
    master_key: str = ""
    # Every user's password (services, partners), when the harness started NATS itself.
    nats_passwords: dict[str, str] = field(default_factory=dict)

    @property
    def operator_url(self) -> str:
        """The NATS URL with the tool user's credentials in it (as ``Stack.operator_url``)."""
        return self.as_stack(Path(".")).operator_url

    def as_stack(self, data_dir: Path) -> Stack:
        """These servers as deploy's ``Stack``, to run services as processes: each service
        connects as its own NATS user (issue #9)."""
        from deploy.stack import Stack

        return Stack(
            self.nats_url,
            self.database_url,
            started=[],
            data_dir=data_dir,
            nats_user=self.nats_user,
            nats_password=self.nats_password,
            nats_passwords=self.nats_passwords or None,
            master_key=self.master_key,
        )

    def export_tool_user(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """``ASIST_NATS_USER``/``PASSWORD`` of the tool user, for code that reads settings from
        the environment (the demo counting events on the bus)."""
        monkeypatch.setenv("ASIST_NATS_USER", self.nats_user)
        monkeypatch.setenv("ASIST_NATS_PASSWORD", self.nats_password)

    def nats_settings(self, user: str | None = None) -> Settings:
        """Settings to connect as ``user`` (default: the tool user), for ``nats_auth``."""
        if user is None:
            return Settings(
                nats_url=self.nats_url, nats_user=self.nats_user, nats_password=self.nats_password
            )
        return Settings(
            nats_url=self.nats_url, nats_user=user, nats_password=self.nats_passwords[user]
        )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """NATS and PostgreSQL for the whole session: named by ASIST_* or started here."""
    named = Servers(
        os.environ.get("ASIST_NATS_URL", ""),
        os.environ.get("ASIST_DATABASE_URL", ""),
        os.environ.get("ASIST_NATS_USER", ""),
        os.environ.get("ASIST_NATS_PASSWORD", ""),
        os.environ.get("ASIST_MASTER_KEY", ""),
    )
    if named.nats_url and named.database_url:
        yield named
        return
    from deploy.stack import start_stack, stop_stack

    data_dir = Path(os.environ.get("ASIST_TEST_DATA_DIR") or tmp_path_factory.mktemp("stack"))
    started = start_stack(data_dir, nats_port=free_port(), pg_port=free_port(), fast=True)
    try:
        yield Servers(
            started.nats_url,
            started.database_url,
            started.nats_user or "",
            started.nats_password or "",
            started.master_key or "",
            started.nats_passwords or {},
        )
    finally:
        stop_stack(data_dir)


@pytest.fixture
def settings(stack: Servers) -> Settings:
    """Settings for services under test: own databases, fast retries, known tokens."""
    return harness_settings(stack)


def harness_settings(stack: Servers) -> Settings:
    """The harness's settings as a function, for helpers that vary them (``model_copy``):
    the tool user and master key of ``stack``, a fresh database prefix, fast retries."""
    return Settings(
        nats_url=stack.nats_url,
        nats_user=stack.nats_user,
        nats_password=stack.nats_password,
        master_key=stack.master_key,
        database_url=stack.database_url,
        database_prefix=f"t{uuid.uuid4().hex[:10]}",
        tokens=",".join(f"{token}={grant}" for token, grant in TEST_TOKENS.items()),
        consumer_max_deliver=3,
        consumer_backoff_seconds=[0.2, 0.4],
        consumer_ack_wait_seconds=5.0,
        consumer_batch_timeout_seconds=0.2,
        relay_poll_seconds=0.1,
    )


TEST_TOKENS = {
    "dgp-caseworker": "caseworker:daugavpils",
    "ludza-caseworker": "caseworker:ludza",
    "dgp-assistant": "assistant:daugavpils",
    "dgp-finance": "finance:daugavpils",
    "dgp-finance-2": "finance:daugavpils",
    "ludza-finance": "finance:ludza",
    "ludza-finance-2": "finance:ludza",
    "ministry": "ministry:*",
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


ServiceFactory = Callable[[Callable[[Settings], FastAPI]], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def start_service(settings: Settings) -> AsyncIterator[ServiceFactory]:
    """Start services in this process (real database and bus) and give an HTTP client to each.

    Use with ``clean_bus`` so the test's streams start empty. All services started in one
    test share ``settings`` (one database prefix), as in one deployment.
    """
    async with contextlib.AsyncExitStack() as stack:

        async def start(create: Callable[[Settings], FastAPI]) -> httpx.AsyncClient:
            app = create(settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            )
            return await stack.enter_async_context(client)

        yield start


@pytest.fixture
async def nats_client(stack: Servers) -> AsyncIterator[NatsClient]:
    nc = await nats.connect(stack.nats_url, **nats_auth(stack.nats_settings()))
    try:
        yield nc
    finally:
        await nc.drain()


@pytest.fixture
def js(nats_client: NatsClient) -> JetStreamContext:
    return nats_client.jetstream()


# When an account's last stream is deleted, NATS removes the account's JetStream directory
# in the background; a stream created right after can have that directory removed under it
# ("error creating store for stream", 500: seen once in test_nats_security after
# `clean_bus`; reproduced: the directory is gone 10 ms after the last delete). A stream the
# harness never deletes keeps the account from ever being empty.
KEEPER = StreamConfig(
    name="TEST_KEEPER",
    description="Never deleted by the tests: keeps the account's JetStream directory",
    subjects=["harness.keeper"],
)


async def empty_the_bus(js: JetStreamContext) -> None:
    """Delete every stream but ``KEEPER``, so a test starts from an empty bus."""
    try:
        await js.stream_info(KEEPER.name or "")
    except NotFoundError:
        await js.add_stream(KEEPER)
    for info in await js.streams_info():
        name = info.config.name
        if name == KEEPER.name:
            continue
        with contextlib.suppress(NotFoundError):  # another run may have deleted it already
            await js.delete_stream(name or "")


@pytest.fixture
async def clean_bus(js: JetStreamContext) -> None:
    """Delete every stream, so each test starts from an empty bus."""
    await empty_the_bus(js)


async def create_database(stack: Servers, prefix: str = "t") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await ensure_database(stack.database_url, name)
    return name


@pytest.fixture
async def event_db(stack: Servers) -> AsyncIterator[asyncpg.Pool]:
    """A fresh database with the shared event-store schema applied."""
    name = await create_database(stack)
    pool = await asyncpg.create_pool(
        database_dsn(stack.database_url, name), min_size=1, max_size=40
    )
    async with pool.acquire() as conn:
        await apply_migrations(conn, SHARED_MIGRATIONS)
    try:
        yield pool
    finally:
        await pool.close()
