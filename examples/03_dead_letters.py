"""List the messages a consumer gave up on, with the error that stopped it (operator).

    .venv/bin/python examples/03_dead_letters.py [nats://127.0.0.1:14222]

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
ERROR_CHARS = 120  # the start of the error says what it is; the header has the whole


async def dead_letters(
    url: str, user: str, password: str, *, limit: int = 100, idle_seconds: float = 1.0
) -> list[str]:
    """Print (and return) one line per dead letter: where it went, what it was, why."""
    lines: list[str] = []
    nc = await nats.connect(url, user=user, password=password)
    js = nc.jetstream()
    # An ephemeral consumer that reads and forgets (no acks): the dead letters stay.
    sub = await js.pull_subscribe(
        "asistdlq.>",  # the filter: nats-py puts this argument into the consumer's config
        stream="DEADLETTER",
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=30
        ),
    )
    try:
        try:
            for msg in await sub.fetch(limit, timeout=idle_seconds):
                headers = msg.headers or {}
                line = " ".join(
                    (
                        msg.subject,
                        headers.get("Asist-Original-Subject", "-"),
                        f"attempts={headers.get('Asist-Attempts', '-')}",
                        headers.get("Asist-Error", "-")[:ERROR_CHARS],
                    )
                )
                print(line)
                lines.append(line)
        except nats.errors.TimeoutError:
            pass
        if not lines:
            print("no dead letters")
            lines.append("no dead letters")
    finally:
        await sub.unsubscribe()  # not drain(): it hangs 30 s on a pull subscription (02)
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
    asyncio.run(dead_letters(sys.argv[1] if len(sys.argv) > 1 else LOCAL_URL, user, password))
