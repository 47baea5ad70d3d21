"""History and catching up with a durable consumer: a partner's own, or the operator's.

A partner (``catch_up``) reads its durable: the history of its agreement from the first
event, then, each time it runs again, exactly what was published while it was away. The
durable remembers what you acked; what you fetched and did not ack comes again after the
ack wait (at-least-once: de-duplicate by the event's ``id``). The operator made the durable
(``python -m deploy.partner_durables``): its name is ``<partner>-<name>``, its filter is
in your agreement, and you may read, ack and delete it, nothing else (docs/partners.md §3).

    .venv/bin/python examples/02_replay.py --partner partner-daugavpils-erp-decisions DECISIONS

The operator (``replay``, the tool user of the services' account) replays one
municipality's history of any stream with a durable of its own making:

    .venv/bin/python examples/02_replay.py ludza [intake] [nats://127.0.0.1:14222]

Credentials: ASIST_NATS_USER / ASIST_NATS_PASSWORD, else the local stack's user (the
partner's, or ``asist``) from .local/stack/secrets.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

LOCAL_URL = "nats://127.0.0.1:14222"

OPERATOR = "asist"
# Where a partner's account sees the services' JetStream API (deploy/nats_accounts.py).
API_PREFIX = "ASIST.API"


def line_of(raw: bytes) -> str:
    """``<time> <municipality> <type> <aggregate> v<version>``."""
    event = json.loads(raw)
    # Before issue 18 the aggregate's version was called "sequence".
    version = event.get("aggregateversion", event.get("sequence"))
    return f"{event['time']} {event['municipality']} {event['type']} {event['subject']} v{version}"


async def catch_up(
    url: str,
    user: str,
    password: str,
    durable: str,
    stream: str,
    *,
    batch: int = 100,
    idle_seconds: float = 1.0,
) -> list[str]:
    """As a partner: print (and return) one line per event ``durable`` has not had acked;
    returns once it has nothing more for ``idle_seconds``."""
    lines: list[str] = []
    nc = await nats.connect(url, user=user, password=password)
    # Bind to the durable the operator made: a partner creates no consumer.
    sub = await nc.jetstream(prefix=API_PREFIX).pull_subscribe_bind(durable, stream=stream)
    try:
        while True:
            try:
                messages = await sub.fetch(batch, timeout=idle_seconds)
            except nats.errors.TimeoutError:
                break  # caught up
            for msg in messages:
                line = line_of(msg.data)
                print(line)
                lines.append(line)
                await msg.ack()  # after handling it: what you did not ack comes again
        await nc.flush()  # the acks have reached the server
    finally:
        await sub.unsubscribe()  # not drain(): see replay()
        await nc.close()
    return lines


def durable_for(municipality: str, service: str) -> str:
    """docs/partners.md "Durable names": ``<reader>-<municipality>-<STREAM>``."""
    return f"replay-{municipality}-{service.upper()}"


async def replay(
    url: str,
    user: str,
    password: str,
    municipality: str,
    *,
    service: str = "intake",
    durable: str | None = None,
    batch: int = 100,
    idle_seconds: float = 1.0,
) -> list[str]:
    """Print (and return) one line per event of ``municipality`` not yet acked by ``durable``;
    returns once the stream has nothing more for ``idle_seconds``."""
    lines: list[str] = []
    nc = await nats.connect(url, user=user, password=password)
    js = nc.jetstream()
    # nats-py's pull_subscribe sets the consumer's filter to its subject argument: the
    # municipality's subjects go there, not only into the config (an empty subject would
    # replace the filter and deliver every municipality's events).
    subject = f"asist.{municipality}.{service}.>"
    sub = await js.pull_subscribe(
        subject,
        durable=durable or durable_for(municipality, service),
        stream=service.upper(),
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT),
    )
    try:
        while True:
            try:
                messages = await sub.fetch(batch, timeout=idle_seconds)
            except nats.errors.TimeoutError:
                break  # caught up
            for msg in messages:
                line = line_of(msg.data)
                print(line)
                lines.append(line)
                await msg.ack()  # a reader de-duplicates by event["id"]: at-least-once
        await nc.flush()  # the acks have reached the server
    finally:
        # Unsubscribe, then close: nats-py's fetch takes messages off the subscription's
        # queue without marking them done, so drain() waits for a queue.join() that never
        # returns and gives up after its 30 s timeout (DrainTimeoutError).
        await sub.unsubscribe()
        await nc.close()
    return lines


def credentials(default_user: str) -> tuple[str, str]:
    """ASIST_NATS_USER / ASIST_NATS_PASSWORD, else ``default_user`` of the local stack."""
    if os.environ.get("ASIST_NATS_USER"):
        return os.environ["ASIST_NATS_USER"], os.environ.get("ASIST_NATS_PASSWORD", "")
    secrets = Path(__file__).resolve().parents[1] / ".local" / "stack" / "secrets.json"
    return default_user, json.loads(secrets.read_text())["nats_passwords"][default_user]


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--partner"] and len(args) >= 3:
        durable, stream = args[1], args[2]
        user, password = credentials(durable.rsplit("-", 1)[0])  # <partner>-<name>
        url = args[3] if len(args) > 3 else LOCAL_URL
        asyncio.run(catch_up(url, user, password, durable, stream))
        sys.exit(0)
    user, password = credentials(OPERATOR)
    if not args:
        sys.exit(
            "usage: 02_replay.py --partner <durable> <STREAM> [nats url]\n"
            "       02_replay.py <municipality> [service] [nats url]"
        )
    asyncio.run(
        replay(
            args[2] if len(args) > 2 else LOCAL_URL,
            user,
            password,
            args[0],
            service=args[1] if len(args) > 1 else "intake",
        )
    )
