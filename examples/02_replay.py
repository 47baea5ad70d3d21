"""Replay one municipality's history from the first event, with a durable consumer (operator).

Run it again and it continues where it stopped: the durable remembers what you acked. Only
the municipality's own subjects reach the consumer (its filter), never another
municipality's events.

    .venv/bin/python examples/02_replay.py ludza [intake] [nats://127.0.0.1:14222]

JetStream is the services' account: this runs as the operator's user (ASIST_NATS_USER /
ASIST_NATS_PASSWORD, ``asist`` in .local/stack/secrets.json), never as a partner.
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
                event = json.loads(msg.data)
                # Before issue 18 the aggregate's version was called "sequence".
                version = event.get("aggregateversion", event.get("sequence"))
                line = (
                    f"{event['time']} {event['municipality']} {event['type']}"
                    f" {event['subject']} v{version}"
                )
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
    user, password = credentials(OPERATOR)
    args = sys.argv[1:]
    if not args:
        sys.exit("usage: 02_replay.py <municipality> [service] [nats url]")
    asyncio.run(
        replay(
            args[2] if len(args) > 2 else LOCAL_URL,
            user,
            password,
            args[0],
            service=args[1] if len(args) > 1 else "intake",
        )
    )
