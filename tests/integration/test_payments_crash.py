"""kill -9 of the payments process during approval, at three points, then a retry:
exactly one payment per assistant, in the database and on the bus (rules.md §8.1).

The service runs as its own process (deploy/services.py). The test stops the approval at
a known point by holding a lock it needs, kills the process there, and starts it again:
1. before anything is written: waiting to insert into the event store (its table is locked);
2. half written: events, outbox rows and bank file inserted, waiting to record the
   transfers (the table is locked), so the transaction dies uncommitted;
3. after the commit: the 201 has arrived; the relay may or may not have published.
The finance user then retries the approval with the same Idempotency-Key.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from deploy.services import RunningService, start_services, stop_services
from deploy.stack import Stack, free_port, pid_alive
from services.payments.bank_file import validate
from shared.bus.provisioning import ensure_service_stream
from shared.settings import Settings
from shared.store.db import database_dsn
from tests.conftest import Servers
from tests.integration.payments_support import (
    DGP,
    FINANCE,
    FINANCE_2,
    IBANS,
    Assistant,
    approved,
    command,
    payments_db,
    register,
    send_timesheet,
)
from tests.integration.test_decisions_support import eventually

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]
TOKENS = "dgp-finance=finance:daugavpils,dgp-finance-2=finance:daugavpils"


@dataclass
class PaymentsProcess:
    servers: Stack
    data_dir: Path
    port: int
    running: RunningService | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        [self.running] = start_services(
            self.servers, self.data_dir, ports={"payments": self.port}, names=["payments"]
        )

    def kill(self) -> None:
        assert self.running is not None
        os.kill(self.running.pid, signal.SIGKILL)
        while pid_alive(self.running.pid, "services.payments"):
            pass


@pytest.fixture
def process(
    stack: Servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PaymentsProcess]:
    prefix = f"k{uuid.uuid4().hex[:10]}"
    for name, value in {
        "ASIST_DATABASE_PREFIX": prefix,
        "ASIST_TOKENS": TOKENS,
        "ASIST_LOG_FORMAT": "json",
        "ASIST_CONSUMER_BATCH_TIMEOUT_SECONDS": "0.2",
        "ASIST_RELAY_POLL_SECONDS": "0.1",
    }.items():
        monkeypatch.setenv(name, value)
    servers = stack.as_stack(tmp_path)
    running = PaymentsProcess(servers, tmp_path, free_port())
    try:
        yield running
    finally:
        stop_services(tmp_path, ["payments"])


async def held(dsn: str, lock_sql: str, *args: object) -> tuple[asyncpg.Connection, object]:
    conn = await asyncpg.connect(dsn)
    transaction = conn.transaction()
    await transaction.start()
    await conn.execute(lock_sql, *args)
    return conn, transaction


async def kill_while_waiting(
    process: PaymentsProcess,
    db: asyncpg.Connection,
    approve: Callable[[], Awaitable[httpx.Response]],
    dsn: str,
    lock_sql: str,
    *args: object,
) -> None:
    """Hold a lock the approval needs, wait until it waits for it, kill -9, release."""
    blocker, transaction = await held(dsn, lock_sql, *args)
    attempt = asyncio.ensure_future(approve())

    async def waiting() -> bool:
        count = await db.fetchval(
            "select count(*) from pg_stat_activity where datname = current_database()"
            " and wait_event_type = 'Lock' and pid <> pg_backend_pid()"
        )
        return bool(count)

    await eventually(waiting, seconds=30)
    process.kill()
    await transaction.rollback()  # type: ignore[attr-defined]
    await blocker.close()
    with contextlib.suppress(httpx.HTTPError):
        await attempt
        raise AssertionError("the approval answered although its process was killed")


async def test_kill_9_at_three_points_of_approval_leaves_exactly_one_payment_per_assistant(
    process: PaymentsProcess, js: JetStreamContext, stack: Servers
) -> None:
    await ensure_service_stream(js, "decisions")
    await ensure_service_stream(js, "timesheets")
    await asyncio.to_thread(process.start)
    settings = Settings(
        database_url=stack.database_url, database_prefix=os.environ["ASIST_DATABASE_PREFIX"]
    )
    dsn = database_dsn(settings.database_url, settings.database_name("payments"))
    months = ["2026-09", "2026-10", "2026-11"]
    assistants = [Assistant(f"a-kill-{i}", IBANS[i]) for i in range(3)]
    async with (
        payments_db(settings) as db,
        httpx.AsyncClient(base_url=process.url, timeout=60) as http,
    ):
        for assistant in assistants:
            await register(js, db, assistant)
            for month in months:
                await send_timesheet(js, db, approved(assistant, month, ["8", "4"]))

        for month, point in zip(months, ("before", "half", "after"), strict=True):
            opened = await http.post(
                f"{DGP}/payment-runs", json={"month": month}, headers=command(FINANCE)
            )
            assert opened.status_code == 201, opened.text

            async def approve(
                run_id: str = opened.json()["run_id"], key: str = f"approve-{month}"
            ) -> httpx.Response:
                return await http.post(
                    f"{DGP}/payment-runs/{run_id}/approve",
                    json={},
                    headers=command(FINANCE_2, key),
                )

            if point == "before":
                await kill_while_waiting(
                    process, db, approve, dsn, "lock table events in exclusive mode"
                )
            elif point == "half":
                await kill_while_waiting(
                    process, db, approve, dsn, "lock table transfers in access exclusive mode"
                )
            else:
                answered = await approve()
                assert answered.status_code == 201, answered.text
                process.kill()
            await asyncio.to_thread(process.start)
            retried = await approve()
            assert retried.status_code == 201, retried.text
            assert (retried.headers.get("Idempotent-Replayed") == "true") == (point == "after")

        per_assistant = await db.fetch(
            "select envelope->'data'->>'assistant_id' as who, envelope->'data'->>'month' as month,"
            " count(*) as n from events where event_type like 'lv.asist.payments.PaymentIssued.%'"
            " group by 1, 2"
        )
        assert len(per_assistant) == 9
        assert {r["n"] for r in per_assistant} == {1}
        files = await db.fetch("select content from bank_files")
        assert len(files) == 3
        for file in files:
            validate(bytes(file["content"]))  # the official pain.001.001.09 XSD
        assert await db.fetchval("select count(*) from transfers") == 9

        async def all_on_the_bus() -> list[str] | None:
            info = await js.stream_info("PAYMENTS")
            issued = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                msg = await js.get_msg("PAYMENTS", seq)
                if (msg.subject or "").endswith(".PaymentIssued"):
                    issued.append((msg.headers or {}).get("Nats-Msg-Id", ""))
            return issued if len(issued) >= 9 else None

        published = await eventually(all_on_the_bus, seconds=30)
        assert len(published) == len(set(published)) == 9
