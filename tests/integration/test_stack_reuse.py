"""`up` reuses only servers that serve (issue #19): one alive but stopped is restarted.

A server stopped with SIGSTOP is the hard case: its process is alive and its port still
accepts connections (the kernel queues them), yet nothing answers. Before issue #19,
`up` either reused it (services then hung) or failed on its busy port. Each test has a
private stack in its own temp folder on free ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from deploy.stack import (
    Stack,
    StackError,
    nats_answers,
    pid_alive,
    start_stack,
    stop_stack,
)

pytestmark = pytest.mark.integration

GRACE = 1.0  # seconds a reused server gets to answer here (up's default: 10)


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[Stack]:
    stack = start_stack(tmp_path / "stack", nats_port=0, pg_port=0, reuse_env=False, fast=True)
    try:
        yield stack
    finally:
        for pid in (nats_pid(stack), postmaster_pid(stack)):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGCONT)  # a test that failed midway must not leak it
        stop_stack(stack.data_dir)


def nats_pid(stack: Stack) -> int:
    return int(json.loads((stack.data_dir / "stack.json").read_text())["nats"]["pid"])


def postmaster_pid(stack: Stack) -> int:
    return int((stack.data_dir / "pg" / "postmaster.pid").read_text().splitlines()[0])


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def test_a_stopped_nats_is_restarted_on_its_ports_with_a_line_saying_so(
    own_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    old = nats_pid(own_stack)
    os.kill(old, signal.SIGSTOP)

    again = start_stack(own_stack.data_dir, reuse_env=False, reuse_grace=GRACE)

    assert again.started == ["nats"]  # PostgreSQL served, so it was reused
    assert (again.nats_url, again.nats_monitor_url) == (
        own_stack.nats_url,
        own_stack.nats_monitor_url,
    )
    assert not pid_alive(old, "nats-server")
    assert nats_pid(again) != old
    assert nats_answers("127.0.0.1", port_of(again.nats_url))
    out = capsys.readouterr().out
    assert f"NATS        restarting pid {old}: no greeting on port" in out


def test_a_stopped_postgres_is_restarted_on_its_port_and_keeps_its_data(
    own_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    async def write_then_read(url: str, write: bool) -> str:
        connection = await asyncpg.connect(url)
        try:
            if write:
                await connection.execute("CREATE TABLE kept AS SELECT 'still here' AS note")
            return str(await connection.fetchval("SELECT note FROM kept"))
        finally:
            await connection.close()

    asyncio.run(write_then_read(own_stack.database_url, write=True))
    old = postmaster_pid(own_stack)
    os.kill(old, signal.SIGSTOP)

    again = start_stack(own_stack.data_dir, reuse_env=False, reuse_grace=GRACE)

    assert again.started == ["postgres"]
    assert again.database_url == own_stack.database_url
    assert not pid_alive(old, "postgres")
    assert asyncio.run(write_then_read(again.database_url, write=False)) == "still here"
    out = capsys.readouterr().out
    assert f"PostgreSQL  restarting pid {old}: no answer on port" in out


def test_a_server_named_by_the_environment_is_reported_never_restarted(
    own_stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This folder's NATS, named by ASIST_NATS_URL for another folder: not that one's to stop.
    monkeypatch.setenv("ASIST_NATS_URL", own_stack.nats_url)
    monkeypatch.setenv("ASIST_DATABASE_URL", own_stack.database_url)
    pid = nats_pid(own_stack)
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(
            StackError, match=r"ASIST_NATS_URL=.* no server answers.* not restarted"
        ):
            start_stack(tmp_path / "other", reuse_grace=GRACE)
        assert pid_alive(pid, "nats-server")
    finally:
        os.kill(pid, signal.SIGCONT)
    assert nats_answers("127.0.0.1", port_of(own_stack.nats_url))
