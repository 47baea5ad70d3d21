"""List the messages a consumer gave up on, with the error that stopped it.

.venv/bin/python examples/03_dead_letters.py [nats://127.0.0.1:14222]
"""

import asyncio
import os
import sys

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy


async def main(url: str) -> None:
    # JetStream is the services' account: this runs as the operator's user (ASIST_NATS_USER /
    # ASIST_NATS_PASSWORD, `asist` in .local/stack/secrets.json), never as a partner.
    nc = await nats.connect(
        url, user=os.environ.get("ASIST_NATS_USER"), password=os.environ.get("ASIST_NATS_PASSWORD")
    )
    js = nc.jetstream()
    config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, filter_subject="asistdlq.>")
    sub = await js.pull_subscribe("", stream="DEADLETTER", config=config)
    try:
        for msg in await sub.fetch(100, timeout=2):
            headers = msg.headers or {}
            print(msg.subject, headers.get("Asist-Original-Subject"), headers.get("Asist-Error"))
    except nats.errors.TimeoutError:
        print("no dead letters")
    await nc.drain()


asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "nats://127.0.0.1:14222"))
