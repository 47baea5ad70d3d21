"""The local stack's PostgreSQL server: initdb, settings, start, check, reuse, stop.

Its binaries, OS user and data folder come from ``postgres_files.py``. Settings live in
``<pgdata>/asist.conf``, rewritten at every start. The record in the data folder's
``stack.json`` is ``{"port", "bin_dir", "pgdata"}`` (deploy/stack.py keeps the file).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from deploy.postgres_files import (
    ServerUser,
    as_user,
    cluster_major,
    pg_bin_dir,
    pg_home,
    postmaster,
    server_user,
)
from deploy.processes import (
    HOST,
    REUSE_GRACE,
    START_TIMEOUT,
    STOP_GRACE,
    StackError,
    choose_port,
    pid_alive,
    require_free,
    stop_pid,
    with_log,
)

DEFAULT_PG_PORT = 15432
PG_ROLE = "asist"  # the PostgreSQL superuser initdb creates (trust auth on loopback only)

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


def collect_orphans(user: ServerUser | None) -> None:
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
        if postmaster(pgdata) is not None:  # a server outlived its folder: stop it
            with contextlib.suppress(StackError):
                pg_ctl_stop(pgdata, user, mode="immediate")
        shutil.rmtree(home, ignore_errors=True)


def _initdb(bin_dir: Path, pgdata: Path, user: ServerUser | None, fast: bool) -> None:
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
    result = subprocess.run(argv, capture_output=True, text=True, check=False, **as_user(user))
    if result.returncode != 0:
        raise StackError(f"initdb failed for {pgdata}:\n{result.stdout}{result.stderr}")
    # Settings live in a file of our own, rewritten at every start; postgresql.conf stays
    # initdb's, so its defaults remain easy to tell from ours.
    with (pgdata / "postgresql.conf").open("a") as conf:
        conf.write(
            "\n# Local stack settings, written by deploy/postgres_server.py at every start.\n"
            "include_if_exists = 'asist.conf'\n"
        )


def _write_settings(pgdata: Path, port: int, fast: bool, user: ServerUser | None) -> None:
    settings = {"port": str(port), **PG_SETTINGS, **(PG_FAST_SETTINGS if fast else {})}
    text = "".join(f"{key} = {value}\n" for key, value in settings.items())
    target = pgdata / "asist.conf"
    target.write_text(
        "# Written by deploy/postgres_server.py at every start: edit it there.\n" + text
    )
    if user is not None:
        os.chown(target, user.uid, user.gid)


def pg_ctl(
    pgdata: Path, user: ServerUser | None, *args: str, bin_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    tool = (bin_dir or pg_bin_dir(user, cluster_major(pgdata))) / "pg_ctl"
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
            **as_user(user),
        )
        out.seek(0)
        return subprocess.CompletedProcess(result.args, result.returncode, out.read(), "")


def pg_ctl_stop(pgdata: Path, user: ServerUser | None, mode: str = "fast") -> None:
    result = pg_ctl(pgdata, user, "stop", "-m", mode, "-w", "-t", str(int(START_TIMEOUT)))
    if result.returncode != 0 and postmaster(pgdata) is not None:
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


def _stop_unhealthy_postgres(pgdata: Path, pid: int, user: ServerUser | None) -> None:
    """Stop a postmaster that does not answer: wake it, then fast, immediate, SIGKILL."""
    # pg_ctl starts the postmaster in a session of its own: its process group holds the
    # backends too, and a stopped group must continue to act on pg_ctl's signal.
    for wake in (os.killpg, os.kill):
        with contextlib.suppress(OSError):
            wake(pid, signal.SIGCONT)
    for mode in ("fast", "immediate"):
        result = pg_ctl(pgdata, user, "stop", "-m", mode, "-w", "-t", str(int(STOP_GRACE)))
        if result.returncode == 0 or postmaster(pgdata) is None:
            return
    stop_pid(pid, "postgres", grace=0.0)


def ensure_postgres(
    data_dir: Path,
    state: dict[str, Any],
    port: int | None,
    fast: bool,
    grace: float = REUSE_GRACE,
) -> tuple[str, bool]:
    """Return (server DSN, started by this call)."""
    user = server_user()
    collect_orphans(user)
    home = pg_home(data_dir, user)
    pgdata = home / "pg"
    running = postmaster(pgdata)
    if running is not None:
        why_not = _pg_unhealthy(*running, grace)
        if not why_not:
            return dsn(running[1]), False  # reused as it is, like NATS
        print(
            f"  PostgreSQL  restarting pid {running[0]}: {why_not} after {grace:.0f}s",
            flush=True,
        )
        _stop_unhealthy_postgres(pgdata, running[0], user)
        port = running[1]  # its own port again: the services' pools know it
    info: dict[str, Any] = state.get("postgres", {})
    pg_port = choose_port(port, info.get("port"), DEFAULT_PG_PORT)
    require_free(pg_port, "PostgreSQL", "--pg-port", "ASIST_DATABASE_URL")
    bin_dir = pg_bin_dir(user, cluster_major(pgdata))
    if not (pgdata / "PG_VERSION").exists():
        _initdb(bin_dir, pgdata, user, fast)
    _write_settings(pgdata, pg_port, fast, user)
    _start_postgres(bin_dir, pgdata, home / "pg.log", user)
    state["postgres"] = {"port": pg_port, "bin_dir": str(bin_dir), "pgdata": str(pgdata)}
    return dsn(pg_port), True


def _start_postgres(bin_dir: Path, pgdata: Path, log: Path, user: ServerUser | None) -> None:
    log.touch()
    if user is not None:
        os.chown(log, user.uid, user.gid)  # pg_ctl opens it as the server's user
    result = pg_ctl(
        pgdata, user, "start", "-w", "-t", str(int(START_TIMEOUT)), "-l", str(log), bin_dir=bin_dir
    )
    if result.returncode != 0:
        raise StackError(with_log(f"PostgreSQL did not start:\n{result.stdout}", log))


def dsn(port: int) -> str:
    return f"postgresql://{PG_ROLE}@{HOST}:{port}/postgres"


def stop_postgres(data_dir: Path) -> bool:
    pgdata = data_dir / "pg"
    if postmaster(pgdata) is None:
        return False
    pg_ctl_stop(pgdata.resolve(), server_user())
    return True
