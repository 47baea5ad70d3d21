"""Latency from an accepted intake command to decisions' case row, at an offered rate.

Starts intake and decisions as processes of their own (``python -m services.<name>``, as
``./asist up`` does) on free ports and a database prefix of their own, sends
``POST /municipalities/daugavpils/applications`` at an offered 100 and 500 commands/s
(open loop: a command leaves at its time whether or not earlier ones were answered), and
takes the time from each 201 response to the commit of the case row in decisions'
database. That commit is seen through a trigger this benchmark adds to ``cases`` (NOTIFY
on insert, delivered at commit); the services themselves run unchanged.

    .venv/bin/python -m bench.latency [--scale 1.0]
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import nats

from bench.figures import Figure, Servers, children_of, cpu_seconds, listening_pid
from deploy.services import resident_mib
from shared.store.db import database_dsn

ROOT = Path(__file__).resolve().parents[1]
RATES = (10, 100, 500)  # 10/s: a reference the busy 2-core machine can answer
SECONDS = 5.0  # per rate at scale 1.0
TOKEN = "bench-caseworker"
PATH = "/municipalities/daugavpils/applications"
CHANNEL = "bench_case_opened"
CONNECTIONS = 64  # kept-alive connections to intake: commands in flight at most
GOAL_P99_MS = 50.0  # issue #14: p99 from 201 to case row at 500 commands/s


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_applicants = itertools.count(1)


def application(n: int) -> dict[str, Any]:
    """A new application of a new person, as most are: a person with hundreds of
    applications at once is not the case to measure (each one adds an entry to the
    person's key record, and concurrent additions retry; shared/privacy/keyring.py)."""
    return {
        "channel": "in_person",
        "applicant": {
            # A new-format code (rules.md §10: 32–39, no check digit), one per applicant.
            "personal_code": f"32{next(_applicants):09d}",
            "first_name": "Jānis",
            "last_name": f"Bērziņš{n}",
            "birth_date": "1985-03-12",
            "declared_address": "Rīgas iela 1, Daugavpils, LV-5401",
            "phone": "+371 26123456",
        },
        "activities": [{"kind": "work", "hours_per_week": "20", "description": "workshop"}],
        "receives_vision_benefit": False,
    }


class Services:
    """intake and decisions as processes, on free ports, with a database prefix of their own."""

    def __init__(self, servers: Servers, log_dir: Path) -> None:
        self.prefix = f"benchlat{uuid.uuid4().hex[:6]}"
        self.ports = {"intake": _free_port(), "decisions": _free_port()}
        self.env = {
            **os.environ,
            "ASIST_NATS_URL": servers.nats_url,
            "ASIST_DATABASE_URL": servers.database_url,
            "ASIST_DATABASE_PREFIX": self.prefix,
            "ASIST_MASTER_KEY": servers.master_key,
            "ASIST_TOKENS": f"{TOKEN}=caseworker:daugavpils",
            "ASIST_LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
        }
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        for name, port in self.ports.items():
            log = (self.log_dir / f"{name}.log").open("wb")
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", f"services.{name}"],
                    env={**self.env, "ASIST_HTTP_PORT": str(port)},
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + 90.0  # two services migrating at once on 2 busy cores
        async with httpx.AsyncClient() as client:
            for name, port in self.ports.items():
                while True:
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(f"http://127.0.0.1:{port}/ready")).status_code == 200:
                            break
                    if time.monotonic() > deadline or any(
                        p.poll() is not None for p in self.processes
                    ):
                        tail = (self.log_dir / f"{name}.log").read_text()[-3000:]
                        raise RuntimeError(f"{name} did not become ready:\n{tail}")
                    await asyncio.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Run:
    from_201: list[float] = field(default_factory=list)  # seconds, sorted
    from_request: list[float] = field(default_factory=list)
    missing: int = 0  # answered 201, but no case row within 30 s
    refused: int = 0  # not answered 201
    answered_per_second: float = 0.0


class Connection:
    """One kept-alive HTTP/1.1 connection to intake. A hand-written client: httpx with
    thousands of requests queued for its pool spent more CPU than the service under test."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):  # a kept-alive connection the server closed: reconnect once
            try:
                return await self._post(body)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _post(self, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Idempotency-Key: {uuid.uuid4()}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line, *headers = (await self.reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        lengths = [
            int(h.split(b":", 1)[1]) for h in headers if h.lower().startswith(b"content-length:")
        ]
        if not lengths:
            raise ValueError(f"no Content-Length in the answer: {status_line!r}")
        length = lengths[0]
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _offer(port: int, rate: int, seconds: float, seen: dict[str, float]) -> Run:
    """Offer ``rate`` commands/s for ``seconds`` and time each to its case row.

    Commands are due at fixed times (open loop); CONNECTIONS senders take them in order. A
    command that waits for a free sender counts its wait in "request → case row", which is
    measured from the time it was due.
    """
    count = max(1, int(rate * seconds))
    due: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    accepted: dict[str, tuple[float, float]] = {}  # application id → (due, 201)
    run = Run()

    async def sender() -> None:
        connection = Connection(port)
        try:
            while (item := await due.get()) is not None:
                n, due_at = item
                try:
                    status, body = await connection.post(json.dumps(application(n)).encode())
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    run.refused += 1
                    continue
                if status != 201:
                    run.refused += 1
                    continue
                accepted[json.loads(body)["application_id"]] = (due_at, time.perf_counter())
        finally:
            connection.close()

    senders = [asyncio.create_task(sender()) for _ in range(CONNECTIONS)]
    started = time.perf_counter()
    for n in range(count):
        due_at = started + n / rate
        if (delay := due_at - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        due.put_nowait((n, due_at))
    for _ in senders:
        due.put_nowait(None)
    await asyncio.gather(*senders)
    run.answered_per_second = len(accepted) / (time.perf_counter() - started)
    deadline = time.monotonic() + 30
    while any(k not in seen for k in accepted) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    arrived = {k: times for k, times in accepted.items() if k in seen}
    # A case row can commit before the client has read the 201: that counts as 0.
    run.from_201 = sorted(max(0.0, seen[k] - answered) for k, (_, answered) in arrived.items())
    run.from_request = sorted(seen[k] - due_at for k, (due_at, _) in arrived.items())
    run.missing = len(accepted) - len(arrived)
    return run


class CpuMeter:
    """CPU seconds of each part of the stack: the two services, PostgreSQL (the server and
    all its backends and workers) and NATS, on this machine's /proc."""

    def __init__(self, services: Services, servers: Servers) -> None:
        named = zip(services.ports, services.processes, strict=True)
        self.pids = {name: process.pid for name, process in named}
        self.postgres = _server_pid(servers.database_url)
        self.nats = _server_pid(servers.nats_url)

    def sample(self) -> dict[str, float]:
        used = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        if self.postgres is not None:
            server = [self.postgres, *children_of(self.postgres)]
            used["postgres"] = sum(cpu_seconds(pid) for pid in server)
        if self.nats is not None:
            used["nats"] = cpu_seconds(self.nats)
        used["benchmark client"] = cpu_seconds(os.getpid())
        return used


def _server_pid(url: str) -> int | None:
    port = urlsplit(url).port
    return listening_pid(port) if port is not None else None


def cpu_figures(
    rate: int, before: dict[str, float], after: dict[str, float], commands: int
) -> list[Figure]:
    """CPU per command of each part, and the rate this machine's cores could carry at most.

    The client is shown but left out of the ceiling: it only stands in for the browsers.
    """
    if commands == 0:
        return []
    per_command = {name: (after[name] - before.get(name, 0.0)) * 1000 / commands for name in after}
    figures = [
        Figure(f"CPU per command at {rate}/s offered: {name}", ms, "ms")
        for name, ms in per_command.items()
    ]
    stack = sum(ms for name, ms in per_command.items() if name != "benchmark client")
    cores = os.cpu_count() or 1
    figures.append(
        Figure(f"CPU per command at {rate}/s offered: the stack, all parts", stack, "ms")
    )
    if stack > 0:
        figures.append(
            Figure(
                f"ceiling from CPU at {rate}/s offered: {cores} cores / CPU per command",
                cores * 1000 / stack,
                "commands/s",
                baseline=float(max(RATES)),
                baseline_name="goal rate",
            )
        )
    return figures


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")


async def measure(servers: Servers, scale: float = 1.0) -> list[Figure]:
    nc = await nats.connect(servers.nats_url)
    js = nc.jetstream()
    for stream in ("INTAKE", "DECISIONS"):  # this benchmark's own servers: start empty
        with contextlib.suppress(Exception):
            await js.delete_stream(stream)
    await nc.drain()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as logs:
        services = Services(servers, Path(logs))
        services.start()
        try:
            await services.wait_ready()
            dsn = database_dsn(servers.database_url, f"{services.prefix}_decisions")
            listener = await asyncpg.connect(dsn)
            await listener.execute(
                "create function bench_case_opened() returns trigger language plpgsql as"
                f" $$ begin perform pg_notify('{CHANNEL}', new.case_id); return new; end $$;"
                " create trigger bench_case_opened after insert on cases"
                " for each row execute function bench_case_opened()"
            )
            seen: dict[str, float] = {}

            def on_case(_conn: object, _pid: int, _channel: str, case_id: object) -> None:
                seen.setdefault(str(case_id), time.perf_counter())

            await listener.add_listener(CHANNEL, on_case)
            port = services.ports["intake"]
            seconds = max(0.02, SECONDS * scale)
            await _offer(port, 20, min(0.5, seconds), seen)  # warm up: connections, plans
            meter = CpuMeter(services, servers)
            for rate in RATES:
                before = meter.sample()
                run = await _offer(port, rate, seconds, seen)  # until every case row is in
                used = meter.sample()
                what = f"{rate}/s offered, {run.answered_per_second:,.0f}/s answered"
                for p in (50, 99):
                    value = percentile(run.from_201, p) * 1000
                    goal = GOAL_P99_MS if p == 99 else None  # ratio above 1: goal missed
                    figures.append(
                        Figure(f"latency 201→case row, {what}: p{p}", value, "ms", baseline=goal)
                    )
                value = percentile(run.from_request, 99) * 1000
                figures.append(Figure(f"latency due→case row, {what}: p99", value, "ms"))
                for count, why in ((run.refused, "not answered 201"), (run.missing, "no case row")):
                    if count:
                        figures.append(Figure(f"commands at {rate}/s: {why}", count, "commands"))
                figures += cpu_figures(rate, before, used, len(run.from_201) + run.missing)
            await listener.close()
            for name, process in zip(services.ports, services.processes, strict=True):
                rss = resident_mib(process.pid)
                if rss is not None:
                    figures.append(Figure(f"memory: {name} process RSS after the runs", rss, "MiB"))
        finally:
            services.stop()
    return figures


def main() -> None:
    from bench.__main__ import run_standalone

    run_standalone([measure])


if __name__ == "__main__":
    main()
