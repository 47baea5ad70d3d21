"""Run every service as its own process against a local stack (architecture.md §2, §6).

Which services, in which order, on which ports: shared/services_catalog.py. Each
service is `<venv python> -m services.<name>` with ASIST_NATS_URL,
ASIST_DATABASE_URL and ASIST_HTTP_PORT set, output to <data_dir>/logs/<name>.log. A
service counts as up when GET http://127.0.0.1:<port>/ready answers 200. Processes
are detached and their pids recorded in <data_dir>/services.json, so `down` from
another shell (or after `up` has returned) can stop them. The command line is
`./asist up|down|status` (deploy/main.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.processes import (
    HOST,
    REPO_ROOT,
    StackError,
    load_json_state,
    log_tail,
    pid_alive,
    port_free,
    save_json_state,
    spawn_detached,
    stop_pid,
)
from deploy.stack import Stack
from shared.services_catalog import SERVICE_NAMES as SERVICE_NAMES
from shared.services_catalog import SERVICE_PORTS

# Which services run, in which order, on which ports: the one list (issue #8).
DEFAULT_PORTS: dict[str, int] = dict(SERVICE_PORTS)
READY_TIMEOUT = 90.0  # five services migrating and provisioning at once on 2 cores
# A reused service that is not ready gets this long (it may be reconnecting after an
# outage, measured: ready within 1-6 s of the server's return) before it is restarted.
REUSE_GRACE = 10.0
STOP_GRACE = 10.0
STATE_FILE = "services.json"


@dataclass(frozen=True)
class RunningService:
    name: str
    port: int
    pid: int
    url: str  # base URL, e.g. http://127.0.0.1:8101
    log: Path
    started: bool  # False when an already running process was reused


def _python() -> str:
    # The project's venv, even when this module runs under another interpreter
    # (`./asist down` can run before .venv exists).
    venv = REPO_ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _needle(name: str) -> str:
    return f"services.{name}"  # what the process's command line must contain


def _load(data_dir: Path) -> dict[str, Any]:
    return load_json_state(data_dir / STATE_FILE)


def _save(data_dir: Path, state: dict[str, Any]) -> None:
    save_json_state(data_dir / STATE_FILE, state)


def is_ready(port: int, timeout: float = 1.0) -> bool:
    return readiness(port, timeout)[0]


def readiness(port: int, timeout: float = 1.0) -> tuple[bool, str]:
    """(ready, why not): /ready's 200, or what its body says is failing.

    The body names each check (``started``, ``database``, ``nats``) and each background
    task (the outbox relay, every consumer, the service's jobs) with its state, so the
    reason says e.g. "task relay: restarting after 3 failure(s): ConnectionRefusedError…".
    """
    url = f"http://{HOST}:{port}/ready"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(response.status == 200), ""
    except urllib.error.HTTPError as error:
        try:
            body = json.loads(error.read() or b"{}")
        except ValueError:
            body = {}
        return False, _why_not_ready(body) or f"/ready answered {error.code}"
    except (OSError, urllib.error.URLError) as error:
        return False, f"does not answer ({getattr(error, 'reason', error)})"


def _why_not_ready(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    reasons = []
    if body.get("fatal"):
        reasons.append(str(body["fatal"]))
    checks = body.get("checks")
    if isinstance(checks, dict):
        down = [name for name, ok in checks.items() if ok is not True]
        reasons += [f"{name} unreachable" if name != "started" else "starting" for name in down]
    tasks = body.get("tasks")
    if isinstance(tasks, dict):
        reasons += [f"task {name}: {state}" for name, state in tasks.items() if state != "running"]
    return "; ".join(reasons)


def _recorded(state: dict[str, Any], name: str) -> tuple[int, int] | None:
    """(pid, port) of `name` when its recorded process still runs."""
    entry = state.get(name)
    if not isinstance(entry, dict):
        return None
    pid, port = entry.get("pid"), entry.get("port")
    if isinstance(pid, int) and isinstance(port, int) and pid_alive(pid, _needle(name)):
        return pid, port
    return None


def _service_env(stack: Stack, port: int, name: str = "") -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "ASIST_NATS_URL": stack.nats_url,
            "ASIST_DATABASE_URL": stack.database_url,
            "ASIST_HTTP_PORT": str(port),
            "PYTHONUNBUFFERED": "1",  # logs appear as they happen, not at exit
        }
    )
    # Each service as its own NATS user (deploy/nats_accounts.py); a server the environment
    # named keeps the ASIST_NATS_USER/PASSWORD given there (issue #9).
    if stack.nats_passwords and name in stack.nats_passwords:
        env.update(ASIST_NATS_USER=name, ASIST_NATS_PASSWORD=stack.nats_passwords[name])
    elif stack.nats_user:
        env.update(ASIST_NATS_USER=stack.nats_user, ASIST_NATS_PASSWORD=stack.nats_password or "")
    if stack.master_key:
        env["ASIST_MASTER_KEY"] = stack.master_key
    return env


def _spawn(stack: Stack, data_dir: Path, name: str, port: int) -> RunningService:
    if not port_free(port):
        raise StackError(
            f"port {port} is already in use, so service {name!r} cannot listen there: stop "
            f"the program using it (`./asist down` if it is an old stack) or pass another port."
        )
    log = data_dir / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    pid = spawn_detached(
        [_python(), "-m", f"services.{name}"],
        log=log,
        env=_service_env(stack, port, name),
        cwd=REPO_ROOT,
    )
    return RunningService(name, port, pid, f"http://{HOST}:{port}", log, started=True)


def _wait_ready(services: Sequence[RunningService], timeout: float) -> None:
    """Wait for all at once (they start in parallel); fail on the first that dies."""
    pending = {s.name: s for s in services}
    deadline = time.monotonic() + timeout
    while pending:
        for name, service in list(pending.items()):
            if is_ready(service.port, timeout=0.5):
                del pending[name]
            elif not pid_alive(service.pid, _needle(name)):
                raise StackError(_failure(service, "exited before it was ready"))
        if pending and time.monotonic() > deadline:
            # Every late service with its reason, the log tail of the first one.
            reasons = [f"{n} ({readiness(s.port)[1]})" for n, s in pending.items()]
            late = next(iter(pending.values()))
            raise StackError(
                _failure(
                    late, f"was not ready after {timeout:.0f}s; not ready: {', '.join(reasons)}"
                )
            )
        time.sleep(0.1)


def _failure(service: RunningService, what: str) -> str:
    return (
        f"service {service.name!r} (pid {service.pid}, port {service.port}) {what}; "
        f"last lines of {service.log}:\n{log_tail(service.log, 40)}"
    )


def start_services(
    stack: Stack,
    data_dir: Path,
    ports: dict[str, int] | None = None,
    names: list[str] | None = None,
    *,
    timeout: float = READY_TIMEOUT,
    reuse_grace: float = REUSE_GRACE,
) -> list[RunningService]:
    """Start (or reuse) each service and wait until every one answers /ready with 200.

    On failure the services this call started are stopped again, and the error names
    the service and shows the tail of its log.
    """
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    chosen = list(names or SERVICE_NAMES)
    unknown = sorted(set(chosen) - set(SERVICE_NAMES))
    if unknown:
        raise StackError(f"unknown service(s) {unknown}; known: {', '.join(SERVICE_NAMES)}")
    state = _load(data_dir)
    running: list[RunningService] = []
    try:
        for name in chosen:
            running.append(_reuse_or_spawn(stack, data_dir, state, name, ports or {}, reuse_grace))
            state[name] = {"pid": running[-1].pid, "port": running[-1].port}
            _save(data_dir, state)  # recorded at once, so `down` finds it even if we fail
        _wait_ready(running, timeout)
    except BaseException:
        _stop([s for s in running if s.started])
        raise
    return running


def _reuse_or_spawn(
    stack: Stack,
    data_dir: Path,
    state: dict[str, Any],
    name: str,
    ports: dict[str, int],
    grace: float = REUSE_GRACE,
) -> RunningService:
    # A running service is reused on the port it has (ports apply to a start), like
    # the stack's servers; `down` then `up` restarts it, e.g. after a code change.
    found = _recorded(state, name)
    if found is not None:
        pid, port = found
        log = data_dir / "logs" / f"{name}.log"
        running = RunningService(name, port, pid, f"http://{HOST}:{port}", log, started=False)
        why_not = _unhealthy(running, grace)
        if not why_not:
            return running
        # Reusing a service that is not ready would leave it so (issue #19: after a
        # PostgreSQL restart the relay had died and `up` reused the service as it was).
        print(f"  {name:<11} restarting pid {pid}: not ready after {grace:.0f}s ({why_not})")
        _stop([running])
        return _spawn(stack, data_dir, name, port)
    # A folder keeps the port a service had (like the stack's servers): one that died is
    # started again where the others, and the person, expect it.
    recorded = state.get(name)
    kept = recorded.get("port") if isinstance(recorded, dict) else None
    port = kept if isinstance(kept, int) else DEFAULT_PORTS[name]
    if isinstance(recorded, dict) and isinstance(recorded.get("pid"), int):
        print(f"  {name:<11} starting again: recorded pid {recorded['pid']} is gone")
    return _spawn(stack, data_dir, name, ports.get(name) or port)


def _unhealthy(service: RunningService, grace: float) -> str:
    """Why ``service`` is not ready within ``grace`` seconds; empty when it is."""
    deadline = time.monotonic() + grace
    while True:
        ready, why_not = readiness(service.port)
        if ready:
            return ""
        if time.monotonic() > deadline or not pid_alive(service.pid, _needle(service.name)):
            return why_not
        time.sleep(0.5)


def _stop(services: Sequence[RunningService], grace: float = STOP_GRACE) -> None:
    # SIGTERM to all first, so they shut down in parallel; then wait (and SIGKILL).
    for service in services:
        if pid_alive(service.pid, _needle(service.name)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(service.pid, signal.SIGTERM)
                os.kill(service.pid, signal.SIGCONT)  # a stopped process must wake to exit
    for service in services:
        stop_pid(service.pid, _needle(service.name), grace)


def stop_services(
    data_dir: Path, names: list[str] | None = None, *, grace: float = STOP_GRACE
) -> list[str]:
    """Stop the services recorded for `data_dir` (SIGTERM, SIGKILL after `grace`).

    Returns the names that were running; already stopped ones are fine.
    """
    data_dir = data_dir.resolve()
    state = _load(data_dir)
    targets = []
    for name in names or list(SERVICE_NAMES):
        found = _recorded(state, name)
        if found is not None:
            pid, port = found
            log = data_dir / "logs" / f"{name}.log"
            targets.append(RunningService(name, port, pid, f"http://{HOST}:{port}", log, False))
    _stop(targets, grace)
    for name in names or list(SERVICE_NAMES):
        state.pop(name, None)
    if data_dir.exists():
        _save(data_dir, state)
    return [t.name for t in targets]


def services_status(data_dir: Path) -> list[tuple[str, str]]:
    """(name, one-line state) for every service, without changing anything."""
    state = _load(data_dir.resolve())
    lines = []
    for name in SERVICE_NAMES:
        found = _recorded(state, name)
        if found is None:
            lines.append((name, "stopped"))
        else:
            pid, port = found
            ready, why_not = readiness(port)
            shown = "ready" if ready else "NOT ready"
            rss = resident_mib(pid)
            memory = f", RSS {rss:.0f} MiB" if rss is not None else ""
            line = f"{shown:<9} http://{HOST}:{port}  (pid {pid}{memory})"
            lines.append((name, line if ready else f"{line}: {why_not}"))
    return lines


def resident_mib(pid: int) -> float | None:
    """The resident set size of a process (VmRSS in /proc), in MiB; None if unreadable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):  # "VmRSS:    94212 kB"
            return int(line.split()[1]) / 1024
    return None


def print_services(services: Sequence[RunningService]) -> None:
    for s in services:
        how = "started" if s.started else "already running"
        print(f"  {s.name:<11} {s.url}  ({how}, pid {s.pid}, log {s.log})")
