"""deploy.stack and deploy.services against the real binaries.

Every stack here lives in its own temp folder on free ports, so these tests run beside
the harness's stack and a developer's `./asist up`. Run as root, pytest's temp folders
are private (0700), which also exercises PostgreSQL's relocation for its own user.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest

from deploy.nats_accounts import TOOL_USER, generate_passwords, password_variable
from deploy.services import SERVICE_NAMES, start_services, stop_services
from deploy.stack import (
    Stack,
    StackError,
    free_port,
    nats_binary,
    port_answers,
    start_stack,
    stop_stack,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def ports_of(stack: Stack) -> list[int]:
    return [
        int(url.rsplit(":", 1)[1].split("/")[0])
        for url in (stack.nats_url, stack.database_url, stack.nats_monitor_url or "")
        if url
    ]


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("deploy-stack")
    stack = start_stack(data_dir, nats_port=0, pg_port=0, reuse_env=False, fast=True)
    try:
        yield stack
    finally:
        stop_stack(data_dir)


def test_start_reports_what_it_started(local_stack: Stack) -> None:
    assert local_stack.started == ["nats", "postgres"]
    assert local_stack.nats_url.startswith("nats://127.0.0.1:")
    assert local_stack.database_url.startswith("postgresql://asist@127.0.0.1:")
    assert local_stack.database_url.endswith("/postgres")


def test_postgres_runs_unprivileged_when_we_are_root(local_stack: Stack) -> None:
    if os.geteuid() != 0:
        pytest.skip("only as root")
    pid = int((local_stack.data_dir / "pg" / "postmaster.pid").read_text().split()[0])
    status = Path(f"/proc/{pid}/status").read_text()
    uid = int(next(ln for ln in status.splitlines() if ln.startswith("Uid:")).split()[1])
    assert pwd.getpwuid(uid).pw_name == "asist"


async def test_nats_answers_with_jetstream(local_stack: Stack) -> None:
    nc = await nats.connect(
        local_stack.nats_url,
        connect_timeout=5,
        max_reconnect_attempts=0,
        user=local_stack.nats_user,
        password=local_stack.nats_password,
    )
    try:
        info = await nc.jetstream().account_info()
        assert info.limits is not None
    finally:
        await nc.close()


async def test_postgres_answers(local_stack: Stack) -> None:
    conn = await asyncpg.connect(local_stack.database_url, timeout=5)
    try:
        assert await conn.fetchval("select 1") == 1
        assert await conn.fetchval("show max_connections") == "200"
        assert await conn.fetchval("show fsync") == "off"  # fast=True
    finally:
        await conn.close()


def test_starting_again_reuses_the_running_servers(local_stack: Stack) -> None:
    again = start_stack(local_stack.data_dir, reuse_env=False)
    assert again.started == []
    assert (again.nats_url, again.database_url) == (local_stack.nats_url, local_stack.database_url)
    store = f"-sd {local_stack.data_dir / 'nats'} "
    assert len(processes_with(store)) == 1  # one NATS, not two


def processes_with(text: str) -> list[int]:
    """Pids whose command line contains `text`."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if text in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                found.append(int(proc.name))
    return found


async def test_environment_named_servers_are_used_not_started(
    local_stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASIST_NATS_URL", local_stack.nats_url)
    monkeypatch.setenv("ASIST_DATABASE_URL", local_stack.database_url)
    stack = await asyncio.to_thread(start_stack, tmp_path / "other")
    assert stack.started == []
    assert (stack.nats_url, stack.database_url) == (local_stack.nats_url, local_stack.database_url)


async def test_an_unreachable_named_server_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASIST_NATS_URL", f"nats://127.0.0.1:{free_port()}")
    with pytest.raises(StackError, match=r"ASIST_NATS_URL=.* no server answers"):
        await asyncio.to_thread(start_stack, tmp_path / "s")


async def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(StackError, match=f"port {port} .* already in use"):
            await asyncio.to_thread(start_stack, tmp_path / "s", nats_port=port, reuse_env=False)


async def test_stop_closes_the_ports_and_a_restart_keeps_the_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "s"
    stack = await asyncio.to_thread(
        start_stack, data_dir, nats_port=0, pg_port=0, reuse_env=False, fast=True
    )
    conn = await asyncpg.connect(stack.database_url)
    await conn.execute("create table kept (id int); insert into kept values (7)")
    await conn.close()

    await asyncio.to_thread(stop_stack, data_dir)
    assert not any(port_answers("127.0.0.1", port) for port in ports_of(stack))
    await asyncio.to_thread(stop_stack, data_dir)  # stopping twice is fine

    again = await asyncio.to_thread(start_stack, data_dir, reuse_env=False, fast=True)
    try:
        assert again.started == ["nats", "postgres"]
        assert (again.nats_url, again.database_url) == (stack.nats_url, stack.database_url)
        conn = await asyncpg.connect(again.database_url)
        assert await conn.fetchval("select id from kept") == 7
        await conn.close()
    finally:
        await asyncio.to_thread(stop_stack, data_dir)


def distinct_free_ports(count: int) -> list[int]:
    """`count` different free ports: held open together, so the OS cannot repeat one."""
    with contextlib.ExitStack() as held:
        socks = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def cluster_node_conf(node: int, ports: dict[str, list[int]], store: Path) -> str:
    """deploy/nats/cluster/n<node>.conf on loopback ports instead of container names."""
    text = (ROOT / "deploy" / "nats" / "cluster" / f"n{node}.conf").read_text()
    text = text.replace("0.0.0.0:4222", f"127.0.0.1:{ports['client'][node - 1]}")
    text = text.replace("0.0.0.0:8222", f"127.0.0.1:{ports['http'][node - 1]}")
    text = text.replace("0.0.0.0:6222", f"127.0.0.1:{ports['route'][node - 1]}")
    for peer in (1, 2, 3):
        text = text.replace(
            f"nats-route://nats-{peer}:6222", f"nats-route://127.0.0.1:{ports['route'][peer - 1]}"
        )
    return text.replace("store_dir: /data", f'store_dir: "{store / f"n{node}"}"')


CLUSTER_PASSWORDS = generate_passwords()


@pytest.fixture
def cluster_url(tmp_path: Path) -> Iterator[str]:
    """The three nodes of deploy/nats/cluster running on loopback; a client URL of node 1.

    Laid out as in deploy/nats (cluster/nN.conf include ../accounts.conf), passwords from
    the environment as compose gives them.
    """
    free = distinct_free_ports(9)
    ports = {"client": free[0:3], "http": free[3:6], "route": free[6:9]}
    nodes = []
    (tmp_path / "cluster").mkdir()
    (tmp_path / "accounts.conf").write_text((ROOT / "deploy/nats/accounts.conf").read_text())
    env = {**os.environ, **{password_variable(u): p for u, p in CLUSTER_PASSWORDS.items()}}
    with contextlib.ExitStack() as logs:
        for node in (1, 2, 3):
            conf = tmp_path / "cluster" / f"n{node}.conf"
            conf.write_text(cluster_node_conf(node, ports, tmp_path))
            log = logs.enter_context((tmp_path / f"n{node}.log").open("wb"))
            nodes.append(
                subprocess.Popen(
                    [nats_binary(), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT, env=env
                )
            )
        try:
            yield f"nats://127.0.0.1:{ports['client'][0]}"
        finally:
            for process in nodes:
                process.terminate()
            for process in nodes:
                process.wait(timeout=10)


async def test_the_cluster_configs_form_a_cluster_with_three_replicas(cluster_url: str) -> None:
    nc = await nats.connect(
        cluster_url, connect_timeout=5, user=TOOL_USER, password=CLUSTER_PASSWORDS[TOOL_USER]
    )
    try:
        js = nc.jetstream()
        info = None
        for _ in range(100):  # until the nodes have elected a meta leader
            with contextlib.suppress(Exception):
                info = await js.add_stream(name="R3", subjects=["r3.>"], num_replicas=3)
                break
            await asyncio.sleep(0.1)
        assert info is not None and info.cluster is not None
        assert info.config.num_replicas == 3
        assert {info.cluster.leader, *(r.name for r in info.cluster.replicas or [])} == {
            "n1",
            "n2",
            "n3",
        }
    finally:
        await nc.close()


@pytest.mark.e2e
async def test_services_start_as_processes_answer_and_stop(local_stack: Stack) -> None:
    data_dir = local_stack.data_dir
    ports = {name: free_port() for name in SERVICE_NAMES}
    running = await asyncio.to_thread(start_services, local_stack, data_dir, ports)
    try:
        assert [s.name for s in running] == list(SERVICE_NAMES)
        async with httpx.AsyncClient() as client:
            for service in running:
                assert service.port == ports[service.name]
                health = await client.get(f"{service.url}/health")
                assert health.status_code == 200
                ready = await client.get(f"{service.url}/ready")
                assert ready.status_code == 200, (service.name, ready.text)
        again = await asyncio.to_thread(start_services, local_stack, data_dir, ports)
        assert [s.pid for s in again] == [s.pid for s in running]  # reused, not restarted
    finally:
        stopped = await asyncio.to_thread(stop_services, data_dir)
    assert sorted(stopped) == sorted(SERVICE_NAMES)
    assert not any(port_answers("127.0.0.1", s.port) for s in running)


def test_a_fresh_server_with_an_empty_command_line_is_alive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #7: right after execve /proc/<pid>/cmdline often reads empty; that is not "gone"."""
    import deploy.processes as processes
    import deploy.stack as stack_module

    real_read = processes._read_proc
    reads: list[int] = []

    def empty_at_first(pid: int) -> tuple[str, bytes] | None:
        reads.append(pid)
        seen = real_read(pid)
        if seen is not None and len(reads) <= 20:
            return seen[0], b""  # what the kernel shows before the argument area is set
        return seen

    monkeypatch.setattr(processes, "_read_proc", empty_at_first)
    data_dir = tmp_path / "race"
    stack = start_stack(
        data_dir, nats_port=0, pg_port=0, nats_monitor_port=0, reuse_env=False, fast=True
    )
    try:
        assert "nats" in stack.started
        state = stack_module._load_state(stack.data_dir)
        assert stack_module.pid_alive(state["nats"]["pid"], "nats-server")
    finally:
        stop_stack(data_dir)


def test_own_child_is_judged_by_its_handle_not_its_command_line(tmp_path: Path) -> None:
    """A program that takes a while before exec has a command line without the needle."""
    import deploy.stack as stack_module

    pid = stack_module.spawn_detached(
        ["sh", "-c", "sleep 0.5; exec sleep 30"], log=tmp_path / "slow.log"
    )
    try:
        assert stack_module.pid_alive(pid, "nats-server"), "alive: its Popen has not ended"
    finally:
        stack_module.stop_pid(pid, "sleep", grace=1.0)
    assert not stack_module.pid_alive(pid, "sleep")


def test_state_file_pid_with_unreadable_command_line_cannot_be_judged_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import deploy.processes as processes

    monkeypatch.setattr(processes, "_read_proc", lambda pid: ("S", b""))
    assert processes.pid_alive(os.getpid(), "nats-server")
    monkeypatch.setattr(processes, "_read_proc", lambda pid: ("Z", b"nats-server"))
    assert not processes.pid_alive(os.getpid(), "nats-server")
    monkeypatch.setattr(processes, "_read_proc", lambda pid: None)
    assert not processes.pid_alive(os.getpid(), "nats-server")


def test_a_nats_that_fails_to_start_leaves_no_server_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error never leaves a server the state file does not know (no blind retry)."""
    import deploy.nats_server as nats_server
    import deploy.processes as processes
    import deploy.stack as stack_module

    spawned: list[int] = []
    real_spawn = stack_module.spawn_detached

    def remember(argv: list[str], **kwargs: object) -> int:
        pid = real_spawn(argv, **kwargs)  # type: ignore[arg-type]
        spawned.append(pid)
        return pid

    # Where each is looked up since deploy/stack.py was split (issue #8).
    monkeypatch.setattr(nats_server, "spawn_detached", remember)
    monkeypatch.setattr(nats_server, "jetstream_healthy", lambda port: False)
    monkeypatch.setattr(processes, "START_TIMEOUT", 1.0)
    data_dir = tmp_path / "fails"
    with pytest.raises(StackError):
        start_stack(data_dir, nats_port=0, pg_port=0, nats_monitor_port=0, reuse_env=False)
    assert len(spawned) == 1, "started once, not retried"
    assert not stack_module.pid_alive(spawned[0], "nats-server")
