"""Harness of the fault suite (tests/integration/test_faults.py), no tests here.

The suite kills servers, so it runs on a private stack of its own (NATS and PostgreSQL on
free ports in a temporary folder, started by ``deploy.stack`` exactly like the session's),
never on the session stack other tests share. Services run in this process (through
their ASGI app) or as real processes (``python -m services.<name>``) when the test kills
or signals them; they get the test's settings with the private servers' URLs, so any
other setting (tokens, credentials) reaches them unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI
from nats.js import JetStreamContext

from deploy.stack import Stack, StackError, load_json_state, start_stack
from shared.settings import Settings
from shared.store.db import database_dsn
from tests.conftest import ROOT, free_port
from tests.integration.backbone_support import read_stream_messages
from tests.integration.test_intake_api import DGP, application, command_headers


@dataclass
class PrivateStack:
    data_dir: Path
    stack: Stack

    def kill_postgres(self) -> None:
        pid = int((self.data_dir / "pg" / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)

    def kill_nats(self) -> None:
        pid = load_json_state(self.data_dir / "stack.json")["nats"]["pid"]
        os.kill(pid, signal.SIGKILL)

    async def restart(self) -> None:
        """Start what is not running, on the same ports and data (``./asist up`` does this).

        Right after a kill -9 of the postmaster its backends may still hold the shared
        memory for a moment ("pre-existing shared memory block is still in use"): retried.
        """
        deadline = time.monotonic() + 20
        while True:
            try:
                await asyncio.to_thread(start_stack, self.data_dir, reuse_env=False)
                return
            except StackError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)


def service_env(settings: Settings, port: int) -> dict[str, str]:
    """The environment of a service process: every setting as its ``ASIST_*`` variable."""
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        text = json.dumps(value) if isinstance(value, list | dict) else str(value)
        env[f"ASIST_{name.upper()}"] = text
    env["ASIST_HTTP_PORT"] = str(port)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class ServiceProcess:
    """``python -m services.<name>`` as its own process, as ``./asist up`` runs it."""

    name: str
    settings: Settings
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"services.{self.name}"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=service_env(self.settings, self.port),
                cwd=ROOT,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    async def terminate(self) -> float:
        """SIGTERM; the seconds until the process ended (SIGKILL after 15 s)."""
        assert self.process is not None
        began = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.process.wait, 15)
        except subprocess.TimeoutExpired:
            self.kill()
        return time.monotonic() - began

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (/proc/<pid>/stat)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])


async def http_get(url: str, seconds: float = 1.0) -> httpx.Response | None:
    async with httpx.AsyncClient(timeout=seconds) as client:
        try:
            return await client.get(url)
        except httpx.HTTPError:
            return None


async def wait_until(
    check: Callable[[], Awaitable[bool]], what: str, within: float, interval: float = 0.1
) -> float:
    """Poll ``check`` until true; the seconds it took. Fails naming ``what``."""
    began = time.monotonic()
    while not await check():
        if time.monotonic() - began > within:
            raise AssertionError(f"{what}: not within {within:.0f} s")
        await asyncio.sleep(interval)
    return time.monotonic() - began


@contextlib.asynccontextmanager
async def in_process(
    create: Callable[[Settings], FastAPI], settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    app = create(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver", timeout=30
        ) as client,
    ):
        yield client


@dataclass
class Load:
    """Applications submitted at a steady rate, and what each answer was."""

    accepted: dict[str, str] = field(default_factory=dict)  # Idempotency-Key → application
    statuses: Counter[int] = field(default_factory=Counter)
    to_retry: list[str] = field(default_factory=list)  # keys answered 503
    queued: list[dict[str, Any]] = field(default_factory=list)  # bodies of 202 answers
    wrong: list[str] = field(default_factory=list)  # anything a caseworker should not see

    async def submit(self, client: httpx.AsyncClient, key: str) -> int:
        try:
            response = await client.post(DGP, json=application(), headers=command_headers(key))
        except Exception as error:  # an unhandled error in the app: what a 500 was before
            self.wrong.append(f"exception {error!r}")
            return 0
        self.statuses[response.status_code] += 1
        if response.status_code in (201, 202):
            body = response.json()
            self.accepted[key] = body["application_id"]
            if response.status_code == 202:
                self.queued.append(body)
        elif response.status_code == 503 and _is_retryable_problem(response):
            self.to_retry.append(key)
        else:
            self.wrong.append(f"{response.status_code} {response.text[:300]}")
        return response.status_code

    async def run(
        self, client: httpx.AsyncClient, stop: asyncio.Event, per_second: float = 25
    ) -> None:
        async def worker() -> None:
            while not stop.is_set():
                await self.submit(client, str(uuid.uuid4()))
                await asyncio.sleep(4 / per_second)

        await asyncio.gather(*(worker() for _ in range(4)))

    async def retry_unavailable(self, client: httpx.AsyncClient) -> None:
        """Send each request that got 503 again with its key, as the answer asks."""
        for key in self.to_retry:
            for _ in range(50):
                if await self.submit(client, key) in (201, 202):
                    break
                await asyncio.sleep(0.2)


def _is_retryable_problem(response: httpx.Response) -> bool:
    return (
        response.headers.get("content-type") == "application/problem+json"
        and response.headers.get("Retry-After", "").isdigit()
        and bool(response.json()["status"] == 503)
    )


@contextlib.asynccontextmanager
async def database(settings: Settings, service: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(
        database_dsn(settings.database_url, settings.database_name(service))
    )
    try:
        yield conn
    finally:
        await conn.close()


async def unpublished(settings: Settings, service: str) -> int:
    async with database(settings, service) as conn:
        count: int = await conn.fetchval("select count(*) from outbox where published_at is null")
        return count


async def assert_each_event_on_the_bus_once(
    settings: Settings, js: JetStreamContext, service: str, stream: str
) -> int:
    """Every event in ``service``'s store is in ``stream`` exactly once; returns how many."""
    async with database(settings, service) as conn:
        ids = {r["id"] for r in await conn.fetch("select event_id::text as id from events")}
    messages = await read_stream_messages(js, stream, expected=len(ids), wait_seconds=10)
    seen = Counter(m.id for m in messages)
    doubled = {event_id: n for event_id, n in seen.items() if n > 1}
    assert not doubled, f"{stream}: events published more than once: {doubled}"
    missing = ids - set(seen)
    assert not missing, f"{stream}: {len(missing)} committed events never reached the bus"
    assert set(seen) <= ids, f"{stream}: messages of events that are not in the store"
    return len(ids)


async def cases_opened(settings: Settings) -> Counter[str]:
    """How many times each application opened a case in decisions (once is right)."""
    async with database(settings, "decisions") as conn:
        rows = await conn.fetch(
            "select envelope->'data'->>'application_id' as application from events"
            " where envelope->>'type' = 'lv.asist.decisions.CaseOpened.v1'"
        )
    return Counter(r["application"] for r in rows)


async def all_cases_open(settings: Settings, load: Load) -> bool:
    return set(load.accepted.values()) <= set(await cases_opened(settings))


async def assert_no_doubled_effect(settings: Settings, load: Load) -> None:
    """One application per key, one case per application (nothing applied twice)."""
    async with database(settings, "intake") as conn:
        applications = await conn.fetchval("select count(*) from applications")
    assert applications == len(load.accepted) == len(set(load.accepted.values()))
    opened = await cases_opened(settings)
    assert set(opened) == set(load.accepted.values())
    assert set(opened.values()) == {1}, "an application opened more than one case"
