"""Processes of the local stack: ports, pids, state files and locks (architecture.md §6).

What starting, finding and stopping a server needs, whichever server it is: NATS
(``nats_server.py``), PostgreSQL (``postgres_server.py``) and the services
(``services.py``) all use these. Standard library only: ``./asist down`` and ``status``
run before ``.venv`` exists.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
START_TIMEOUT = 60.0
STOP_GRACE = 10.0
# A reused server gets this long to answer (JetStream may still be recovering its store
# after a kill -9) before `up` stops it and starts it again (issue #19).
REUSE_GRACE = 10.0


class StackError(RuntimeError):
    """A problem the person can act on; the message says what to do."""


class EarlyExit(StackError):
    """The server process ended before it answered."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_free(port: int) -> bool:
    # SO_REUSEADDR like the servers themselves, so a TIME_WAIT leftover is not "busy".
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def require_free(port: int, what: str, option: str, env: str) -> None:
    if not port_free(port):
        raise StackError(
            f"port {port} on {HOST} is already in use by another program, so {what} cannot "
            f"listen there. Stop that program, choose another port with {option} "
            f"(0 picks a free one), or point {env} at a server that already runs."
        )


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def wait_until_ready(
    check: Callable[[], bool],
    *,
    what: str,
    timeout: float | None = None,
    interval: float = 0.05,
    alive: Callable[[], bool] | None = None,
    log: Path | None = None,
) -> float:
    """Poll `check` until it is true; return the seconds waited.

    `alive` lets a crashed process fail at once instead of after the whole timeout;
    the error carries the tail of `log` because that is where the reason is.
    """
    timeout = START_TIMEOUT if timeout is None else timeout
    started = time.monotonic()
    deadline = started + timeout
    while True:
        if check():
            return time.monotonic() - started
        if alive is not None and not alive():
            raise EarlyExit(with_log(f"{what} exited before it was ready", log))
        if time.monotonic() > deadline:
            raise StackError(with_log(f"{what} was not ready after {timeout:.0f}s", log))
        time.sleep(interval)


def with_log(message: str, log: Path | None) -> str:
    if log is None:
        return message
    return f"{message}; last lines of {log}:\n{log_tail(log)}"


# Children started by this process, so they are reaped (no zombies that look alive)
# and Python does not warn about a still-running Popen being garbage-collected.
_children: dict[int, subprocess.Popen[bytes]] = {}


def _read_proc(pid: int) -> tuple[str, bytes] | None:
    """(state letter, raw command line) of `pid` from /proc; None when it does not exist.

    A separate function so tests can play the race of issue #7: right after ``execve`` the
    kernel often shows an empty command line for a few milliseconds.
    """
    proc = Path(f"/proc/{pid}")
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        cmdline = (proc / "cmdline").read_bytes()
    except FileNotFoundError:
        return None
    except (OSError, IndexError):
        return ("?", b"")  # exists, but unreadable right now: cannot tell
    return state, cmdline


def pid_alive(pid: int, needle: str) -> bool:
    """Whether `pid` still runs: the one "is it alive" check of deploy/.

    A process this program started is judged by its ``Popen`` handle alone: its command
    line may read empty for a while after ``execve`` (measured: 4 of 5 fresh
    nats-servers), which once made a live server look dead (issue #7). A pid read from a
    state file is checked against `needle` in its command line, to guard against pid
    reuse; an empty or unreadable command line there means "cannot tell yet", so alive.
    """
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    if Path("/proc").is_dir():
        seen = _read_proc(pid)
        if seen is None:
            return False
        state, cmdline = seen
        if state == "Z":
            return False
        if not cmdline:
            return True
        return needle in cmdline.replace(b"\0", b" ").decode(errors="replace")
    try:  # no /proc (not Linux): existence is all we can tell
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_pid(pid: int, needle: str, grace: float = STOP_GRACE) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; a process already gone is fine."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if not pid_alive(pid, needle):
            break
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
            os.kill(pid, signal.SIGCONT)  # a stopped (SIGSTOP) process must wake to act on it
        with contextlib.suppress(StackError):
            wait_until_ready(lambda: not pid_alive(pid, needle), what=f"pid {pid}", timeout=wait)
    _children.pop(pid, None)


def spawn_detached(
    argv: list[str], *, log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> int:
    """Start a long-running server in its own session, output appended to `log`.

    Its own session: Ctrl-C in the terminal that ran `up` must not take it down, and the
    server outlives the command that started it.
    """
    with log.open("ab") as out:
        # Logs append across restarts; a marker shows where this run begins.
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        command = " ".join([Path(argv[0]).name, *argv[1:]])
        out.write(f"\n----- {stamp} started: {command}\n".encode())
        out.flush()
        child = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            cwd=cwd,
        )
    _children[child.pid] = child
    return child.pid


@contextlib.contextmanager
def locked(data_dir: Path) -> Iterator[None]:
    # Two `up`s on one folder at once (two terminals, a test and a script) must not
    # both start servers.
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / ".stack.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def load_json_state(path: Path) -> dict[str, Any]:
    """A state file of the data folder; missing or damaged reads as empty."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def save_json_state(path: Path, state: dict[str, Any]) -> None:
    """Write through a temporary file, so a reader never sees half a file."""
    tmp = path.with_name(f"{path.name}.tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(path)


def choose_port(requested: int | None, recorded: Any, default: int) -> int:
    # None: keep the folder's previous port (stable URLs across restarts), else the
    # default; 0: any free port (parallel test runs).
    if requested == 0:
        return free_port()
    if requested is not None:
        return requested
    return recorded if isinstance(recorded, int) else default


def host_port(url: str, default_port: int) -> tuple[str, int]:
    first = url.split(",")[0].strip()  # NATS URLs may list several servers
    parts = urlsplit(first)
    return parts.hostname or HOST, parts.port or default_port


def exit_status(pid: int) -> int | None:
    """The exit status of a child this process started and that has ended; else None."""
    child = _children.get(pid)
    return child.poll() if child is not None else None
