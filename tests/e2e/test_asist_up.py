"""`./asist up` as a person runs it, and run again after faults: it heals (issue #19).

The shell entry point runs as a subprocess on a private data folder and free ports
(ASIST_DATA_DIR and the port variables of deploy/README.md), so it never touches the
default stack on 14222/15432/8101-8105. First run: everything starts and the demo month
plays. Then NATS is stopped with SIGSTOP (alive, port open, nothing answers) and
decisions is killed with SIGKILL; the second run must restart both, say so, and play the
month again; `./asist status` then says every service is ready and `./asist down` leaves
no process behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.nats_accounts import PARTNERS, partner_durables
from deploy.services import SERVICE_NAMES
from deploy.stack import free_port, pid_alive

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
UP_TIMEOUT = 300.0  # one run measured ~40 s on 2 busy cores; the bound is for a hang
KEPT = ("ASIST_NATS_SERVER_BIN", "ASIST_PG_BIN")  # where the binaries are, not a stack


def asist_env(data_dir: Path) -> dict[str, str]:
    """The caller's environment without the test harness's stack, plus a private one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASIST_") or k in KEPT}
    service_ports = ",".join(f"{name}={free_port()}" for name in SERVICE_NAMES)
    env.update(
        ASIST_DATA_DIR=str(data_dir),
        ASIST_NATS_PORT=str(free_port()),
        ASIST_NATS_MONITOR_PORT=str(free_port()),
        ASIST_PG_PORT=str(free_port()),
        ASIST_SERVICE_PORTS=service_ports,
    )
    return env


def asist(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "asist"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=UP_TIMEOUT,
        check=False,
    )


def recorded(data_dir: Path, state_file: str) -> dict[str, dict[str, int]]:
    loaded: dict[str, dict[str, int]] = json.loads((data_dir / state_file).read_text())
    return loaded


@pytest.fixture
def private_up(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    data_dir = tmp_path / "stack"
    env = asist_env(data_dir)
    try:
        yield data_dir, env
    finally:
        with contextlib.suppress(OSError, ValueError, KeyError):
            os.kill(recorded(data_dir, "stack.json")["nats"]["pid"], signal.SIGCONT)
        asist("down", env=env)


def test_up_heals_a_stopped_nats_and_a_killed_service(
    private_up: tuple[Path, dict[str, str]],
) -> None:
    data_dir, env = private_up

    began = time.monotonic()
    first = asist("up", env=env)
    first_took = time.monotonic() - began
    assert first.returncode == 0, first.stdout + first.stderr
    assert "left running" in first.stdout
    # Every partner durable of the table exists for partners to catch up with (issue #18).
    made = next(line for line in first.stdout.splitlines() if line.startswith("partner durables"))
    for partner in PARTNERS:
        for durable in partner_durables(partner):
            assert f"{durable.stream}/{durable.name}" in made, made
    services = recorded(data_dir, "services.json")
    ports = {name: services[name]["port"] for name in SERVICE_NAMES}
    asked = (item.split("=") for item in env["ASIST_SERVICE_PORTS"].split(","))
    assert ports == {name: int(port) for name, port in asked}

    nats_pid = recorded(data_dir, "stack.json")["nats"]["pid"]
    decisions_pid = services["decisions"]["pid"]
    os.kill(nats_pid, signal.SIGSTOP)  # alive, its port open, but it answers nothing
    os.kill(decisions_pid, signal.SIGKILL)

    began = time.monotonic()
    second = asist("up", env=env)
    second_took = time.monotonic() - began
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"NATS        restarting pid {nats_pid}: no greeting on port" in second.stdout
    assert not pid_alive(nats_pid, "nats-server")
    assert f"decisions   starting again: recorded pid {decisions_pid} is gone" in second.stdout
    healed = recorded(data_dir, "services.json")
    assert healed["decisions"]["pid"] != decisions_pid
    assert {name: healed[name]["port"] for name in SERVICE_NAMES} == ports  # same URLs
    assert "left running" in second.stdout

    status = asist("status", env=env)
    assert status.returncode == 0, status.stderr
    for name in SERVICE_NAMES:
        line = next(line for line in status.stdout.splitlines() if line.strip().startswith(name))
        assert " ready " in f"{line} ", line
    print(f"./asist up: first run {first_took:.1f}s, healing run {second_took:.1f}s")
    print("\n".join(line for line in second.stdout.splitlines()[:12] if "pid" in line))

    down = asist("down", env=env)
    assert down.returncode == 0, down.stderr
    processes = [(recorded(data_dir, "stack.json")["nats"]["pid"], "nats-server")]
    processes += [(healed[name]["pid"], f"services.{name}") for name in SERVICE_NAMES]
    left = [(pid, what) for pid, what in processes if pid_alive(pid, what)]
    assert not left, f"outlived ./asist down: {left}"
