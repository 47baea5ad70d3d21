"""The one command line of the local stack: `./asist up|down|status` (deploy/README.md).

    python -m deploy.main up [--keep-running] [--stack-only] [--data-dir .local/stack]
        [--nats-port N] [--nats-monitor-port N] [--pg-port N] [--service-ports name=N,...]
    python -m deploy.main down [--only intake,...] [--data-dir .local/stack]
    python -m deploy.main status [--data-dir .local/stack]

Each option of `up` may come from the environment instead (ASIST_DATA_DIR,
ASIST_NATS_PORT, ASIST_NATS_MONITOR_PORT, ASIST_PG_PORT, ASIST_SERVICE_PORTS), so that
`./asist up`, `./asist status` and `./asist down` all find a second stack beside the
default one.

`up`:
1. start (or reuse) NATS and PostgreSQL            deploy.stack.start_stack
2. start (or reuse) every service, wait for /ready  deploy.services.start_services
   (a reused NATS, PostgreSQL or service that is alive but not serving is restarted;
   a server named by ASIST_NATS_URL / ASIST_DATABASE_URL is only checked)
3. play a realistic month through the HTTP APIs     play_month
4. leave everything running (stop: `./asist down`), or with --keep-running wait for
   Ctrl-C and then stop the services and the stack.
With --stack-only, only step 1 (the servers, e.g. for `pytest` with ASIST_NATS_URL and
ASIST_DATABASE_URL set to what it prints).

`down` stops the services, then the servers (with --only: only those services).
`status` says what runs, where it listens, and for a service not ready, why.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from deploy.services import (
    SERVICE_NAMES,
    RunningService,
    print_services,
    services_status,
    start_services,
    stop_services,
)
from deploy.stack import (
    Stack,
    StackError,
    default_data_dir,
    stack_status,
    start_stack,
    stop_stack,
)


def present_services() -> list[str]:
    """Services whose module exists; while the project grows, missing ones are skipped."""
    present = []
    for name in SERVICE_NAMES:
        if importlib.util.find_spec(f"services.{name}") is None:
            print(f"  {name:<11} skipped: module services.{name} does not exist yet")
        else:
            present.append(name)
    return present


def demo_grants() -> dict[str, str]:
    """Who the demo's tokens are for: token name -> ``role:municipality[:binding]``.

    Caseworkers, two finance users per municipality (one opens a payment run, the other
    approves it: four eyes), the ministry, and the assistants and clients of the time
    reports, bound to the demo's people by personal code (``deploy/demo_timesheets.py``).
    """
    from deploy.demo_timesheets import person_grants

    return {
        "daugavpils": "caseworker:daugavpils",
        "ludza": "caseworker:ludza",
        "ministry": "ministry:*",
        "daugavpils-finance": "finance:daugavpils",
        "daugavpils-finance-2": "finance:daugavpils",
        "ludza-finance": "finance:ludza",
        "ludza-finance-2": "finance:ludza",
    } | person_grants()


def tokens_setting(tokens: dict[str, str]) -> str:
    """``ASIST_TOKENS`` for the demo's people, given a secret per token name."""
    return ",".join(f"{tokens[name]}={grant}" for name, grant in demo_grants().items())


def demo_tokens(data_dir: Path) -> dict[str, str]:
    """The demo's tokens (:func:`demo_grants`) for the local stack: random, kept in the data
    folder.

    ``ASIST_TOKENS`` in the environment wins; otherwise the services get these, so that a
    person can also use them with curl (printed below, stored in ``tokens.json``).
    """
    grants = demo_grants()
    path = data_dir / "tokens.json"
    tokens: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if set(grants) - set(tokens):
        # First run, or new roles since the file was written (e.g. assistants): add them.
        tokens |= {k: secrets.token_urlsafe(16) for k in grants if k not in tokens}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(tokens, indent=2))
        path.chmod(0o600)
    os.environ.setdefault("ASIST_TOKENS", tokens_setting(tokens))
    return tokens


def play_month(stack: Stack, services: list[RunningService], tokens: dict[str, str]) -> None:
    """The demo (deploy/demo.py): two municipalities' caseworkers at work, over HTTP."""
    from deploy.demo import play

    play({s.name: s.url for s in services}, tokens, stack.nats_url)


def make_partner_durables(stack: Stack) -> list[str]:
    """The partners' durables of deploy/nats_accounts.py, so a partner can catch up from the
    first event as soon as the stack is up (docs/partners.md §3). Imported here, not at the
    top: ``down`` and ``status`` run before .venv (and nats-py) exists."""
    import asyncio

    from deploy.partner_durables import make_partner_durables as make

    return asyncio.run(make(stack.nats_url, stack.nats_user, stack.nats_password))


def wait_for_ctrl_c() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set():
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass


def check_jetstream(stack: Stack, timeout: float = 10.0) -> None:
    """A reused NATS must have a working JetStream, not only answer on its port (issue #19).

    ``start_stack`` reuses a server that greets clients; JetStream may still be recovering
    its store (after a kill -9) or broken. Services would then hang in provisioning, and
    ``up`` would fail 90 s later naming a service instead of the server.
    """
    if not stack.nats_monitor_url:
        return  # a server the environment named: not ours to judge
    url = f"{stack.nats_monitor_url}/healthz?js-enabled-only=true"
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            last = error.read().decode(errors="replace")[:200]
        except OSError as error:
            last = repr(error)
        time.sleep(0.2)
    raise StackError(
        f"NATS at {stack.nats_url} answers, but its JetStream is not healthy after "
        f"{timeout:.0f}s ({last or 'no answer from ' + url}). Restart it: `./asist down`, "
        "then `./asist up`."
    )


@dataclass(frozen=True)
class Ports:
    """Ports for a start; None keeps the folder's previous port or the default."""

    nats: int | None = None
    nats_monitor: int | None = None
    postgres: int | None = None
    services: dict[str, int] = field(default_factory=dict)


def up(
    data_dir: Path, keep_running: bool, ports: Ports | None = None, *, stack_only: bool = False
) -> None:
    began = time.monotonic()
    ports = ports or Ports()
    stack = start_stack(
        data_dir,
        nats_port=ports.nats,
        nats_monitor_port=ports.nats_monitor,
        pg_port=ports.postgres,
    )
    check_jetstream(stack)
    if stack_only:
        print(f"stack ready in {time.monotonic() - began:.1f}s")
        print(f"  ASIST_NATS_URL={stack.nats_url}")
        print(f"  ASIST_DATABASE_URL={stack.database_url}")
        print_stack(data_dir, only_running=True)
        return
    tokens = demo_tokens(data_dir)
    # The demo reads the streams as the operator's tool user (issue #9).
    if stack.nats_user:
        os.environ.setdefault("ASIST_NATS_USER", stack.nats_user)
        os.environ.setdefault("ASIST_NATS_PASSWORD", stack.nats_password or "")
    print(f"NATS        {stack.nats_url}  (monitoring {stack.nats_monitor_url or '-'})")
    print(f"PostgreSQL  {stack.database_url}")
    services = start_services(stack, data_dir, ports=ports.services, names=present_services())
    print_services(services)
    durables = make_partner_durables(stack)
    print(f"partner durables ({len(durables)}): {', '.join(durables)}")
    print(f"ready in {time.monotonic() - began:.1f}s")
    people = "caseworkers, finance, ministry, assistants, clients"
    print(f"bearer tokens ({people}): {data_dir / 'tokens.json'}")
    play_month(stack, services, tokens)
    if keep_running:
        print("running; press Ctrl-C to stop")
        wait_for_ctrl_c()
        stop_services(data_dir)
        stop_stack(data_dir)
        print("stopped")
    else:
        print("left running; stop everything with: ./asist down")


def port_option(text: str) -> int:
    """A TCP port for argparse: 0 (any free port) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0-65535; 0: any free port)")
    return port


def service_ports_option(text: str) -> dict[str, int]:
    """``intake=9101,decisions=9102``: a port per service, for argparse."""
    ports: dict[str, int] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, number = item.partition("=")
        if not sep or name.strip() not in SERVICE_NAMES:
            raise argparse.ArgumentTypeError(
                f"{item!r}: expected name=port with a name of {', '.join(SERVICE_NAMES)}"
            )
        port = port_option(number.strip())
        if port == 0:
            raise argparse.ArgumentTypeError(f"{item!r}: a service needs a fixed port, not 0")
        ports[name.strip()] = port
    return ports


def _from_env(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def down(data_dir: Path, names: list[str] | None = None) -> None:
    """Stop the services (only ``names``, when given), then the servers."""
    stopped = stop_services(data_dir, names)
    print(f"services stopped: {', '.join(stopped) or 'none were running'}")
    if names is None:
        stop_stack(data_dir)
        print(f"stack of {data_dir.resolve()} stopped")


def status(data_dir: Path) -> None:
    """What runs for ``data_dir``; changes nothing."""
    print(f"stack of {data_dir.resolve()}:")
    print_stack(data_dir)
    print("services:")
    for name, line in services_status(data_dir):
        print(f"  {name:<11} {line}")


def print_stack(data_dir: Path, *, only_running: bool = False) -> None:
    for server in stack_status(data_dir):
        if only_running and not server.running:
            continue  # named by the environment: not this folder's
        if server.running:
            print(f"  {server.name:<11} running  {server.url}  ({server.detail})")
        else:
            print(f"  {server.name:<11} stopped")


def service_names_option(text: str) -> list[str]:
    """``intake,decisions``: names of services, for argparse."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SERVICE_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICE_NAMES)}"
        )
    return names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.main",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up_command = commands.add_parser("up", help="start the stack and the services, play the demo")
    down_command = commands.add_parser("down", help="stop the services and the stack")
    status_command = commands.add_parser("status", help="what runs, and where it listens")
    for command in (up_command, down_command, status_command):
        command.add_argument(
            "--data-dir", type=Path, default=default_data_dir(), help="env ASIST_DATA_DIR"
        )
    # String defaults go through `type`, so a bad environment value is reported like a
    # bad option.
    for option, env in (
        ("--nats-port", "ASIST_NATS_PORT"),
        ("--nats-monitor-port", "ASIST_NATS_MONITOR_PORT"),
        ("--pg-port", "ASIST_PG_PORT"),
    ):
        up_command.add_argument(
            option, type=port_option, default=_from_env(env), help=f"env {env}; 0: any free port"
        )
    up_command.add_argument(
        "--service-ports",
        type=service_ports_option,
        default=_from_env("ASIST_SERVICE_PORTS") or {},
        help="env ASIST_SERVICE_PORTS; e.g. intake=9101,decisions=9102",
    )
    up_command.add_argument(
        "--keep-running",
        action="store_true",
        help="stay in the foreground; Ctrl-C stops services and stack",
    )
    up_command.add_argument(
        "--stack-only", action="store_true", help="start NATS and PostgreSQL only"
    )
    down_command.add_argument(
        "--only",
        type=service_names_option,
        default=None,
        help="comma-separated service names; the stack keeps running",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "up":
            ports = Ports(args.nats_port, args.nats_monitor_port, args.pg_port, args.service_ports)
            up(args.data_dir, args.keep_running, ports, stack_only=args.stack_only)
        elif args.command == "down":
            down(args.data_dir, args.only)
        else:
            status(args.data_dir)
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
