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
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
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


async def read_what_is_pending(
    nc: NATS, sub: JetStreamContext.PullSubscription, batch: int
) -> list[str]:
    """Fetch and ack until the durable has nothing pending; one line per event.

    Each fetch asks only for what the consumer's info says is pending, so the server answers
    at once and no pull request is left waiting when we stop. A waiting request outlives
    its client until it expires: an event published meanwhile would be handed to it, and
    would reach the next run only after the ack wait (30 s). Ending on "nothing came for a
    while" did exactly that, and a replay run right after a publish found nothing.
    """
    lines: list[str] = []
    while (pending := (await sub.consumer_info()).num_pending or 0) > 0:
        try:
            messages = await sub.fetch(min(batch, pending), timeout=5)
        except nats.errors.TimeoutError:
            break  # another reader of the durable took them
        for msg in messages:
            line = line_of(msg.data)
            print(line)
            lines.append(line)
            await msg.ack()  # after handling it: what you did not ack comes again
    await nc.flush()  # the acks have reached the server
    return lines


async def catch_up(
    url: str,
    user: str,
    password: str,
    durable: str,
    stream: str,
    *,
    batch: int = 100,
) -> list[str]:
    """As a partner: print (and return) one line per event ``durable`` has not had acked;
    returns once nothing is pending."""
    nc = await nats.connect(url, user=user, password=password)
    # Bind to the durable the operator made: a partner creates no consumer.
    sub = await nc.jetstream(prefix=API_PREFIX).pull_subscribe_bind(durable, stream=stream)
    try:
        return await read_what_is_pending(nc, sub, batch)
    finally:
        await sub.unsubscribe()  # not drain(): see replay()
        await nc.close()


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
) -> list[str]:
    """Print (and return) one line per event of ``municipality`` not yet acked by ``durable``;
    returns once nothing is pending."""
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
        return await read_what_is_pending(nc, sub, batch)
    finally:
        # Unsubscribe, then close: nats-py's fetch takes messages off the subscription's
        # queue without marking them done, so drain() waits for a queue.join() that never
        # returns and gives up after its 30 s timeout (DrainTimeoutError).
        await sub.unsubscribe()
        await nc.close()


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
