"""The main job behind `./asist up`: the stack, every service, then a month of work.

    python -m deploy.main up [--keep-running] [--data-dir .local/stack]

1. start (or reuse) NATS and PostgreSQL            deploy.stack.start_stack
2. start (or reuse) every service, wait for /ready  deploy.services.start_services
3. play a realistic month through the HTTP APIs     play_month (to be written)
4. leave everything running (stop: `./asist down`), or with --keep-running wait for
   Ctrl-C and then stop the services and the stack.
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
from pathlib import Path

from deploy.services import (
    SERVICE_NAMES,
    RunningService,
    print_services,
    start_services,
    stop_services,
)
from deploy.stack import DEFAULT_DATA_DIR, Stack, StackError, start_stack, stop_stack


def present_services() -> list[str]:
    """Services whose module exists; while the project grows, missing ones are skipped."""
    present = []
    for name in SERVICE_NAMES:
        if importlib.util.find_spec(f"services.{name}") is None:
            print(f"  {name:<11} skipped: module services.{name} does not exist yet")
        else:
            present.append(name)
    return present


def demo_tokens(data_dir: Path) -> dict[str, str]:
    """Caseworker and ministry tokens for the local stack: random, kept in the data folder.

    ``ASIST_TOKENS`` in the environment wins; otherwise the services get these, so that a
    person can also use them with curl (printed below, stored in ``tokens.json``).
    """
    path = data_dir / "tokens.json"
    if path.exists():
        tokens: dict[str, str] = json.loads(path.read_text())
    else:
        tokens = {m: secrets.token_urlsafe(16) for m in ("daugavpils", "ludza", "ministry")}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(tokens, indent=2))
        path.chmod(0o600)
    grants = {
        "daugavpils": "caseworker:daugavpils",
        "ludza": "caseworker:ludza",
        "ministry": "ministry:*",
    }
    os.environ.setdefault("ASIST_TOKENS", ",".join(f"{tokens[k]}={g}" for k, g in grants.items()))
    return tokens


def play_month(stack: Stack, services: list[RunningService], tokens: dict[str, str]) -> None:
    """The demo (deploy/demo.py): two municipalities' caseworkers at work, over HTTP."""
    from deploy.demo import play

    play({s.name: s.url for s in services}, tokens, stack.nats_url)


def wait_for_ctrl_c() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set():
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass


def up(data_dir: Path, keep_running: bool) -> None:
    began = time.monotonic()
    stack = start_stack(data_dir)
    tokens = demo_tokens(data_dir)
    # The demo reads the streams as the operator's tool user (issue #9).
    if stack.nats_user:
        os.environ.setdefault("ASIST_NATS_USER", stack.nats_user)
        os.environ.setdefault("ASIST_NATS_PASSWORD", stack.nats_password or "")
    print(f"NATS        {stack.nats_url}  (monitoring {stack.nats_monitor_url or '-'})")
    print(f"PostgreSQL  {stack.database_url}")
    services = start_services(stack, data_dir, names=present_services())
    print_services(services)
    print(f"ready in {time.monotonic() - began:.1f}s")
    print(f"bearer tokens (caseworkers, ministry): {data_dir / 'tokens.json'}")
    play_month(stack, services, tokens)
    if keep_running:
        print("running; press Ctrl-C to stop")
        wait_for_ctrl_c()
        stop_services(data_dir)
        stop_stack(data_dir)
        print("stopped")
    else:
        print("left running; stop everything with: ./asist down")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.main",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="stay in the foreground; Ctrl-C stops services and stack",
    )
    args = parser.parse_args(argv)
    try:
        up(args.data_dir, args.keep_running)
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
