"""Replay one municipality's history from the first event, with a durable consumer (operator).

Run it again and it continues where it stopped: the durable remembers what you acked.

    .venv/bin/python examples/02_replay.py ludza [nats://127.0.0.1:14222]
"""

import asyncio
import json
import os
import sys

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy


async def main(municipality: str, url: str) -> None:
    # JetStream is the services' account: this runs as the operator's user (ASIST_NATS_USER /
    # ASIST_NATS_PASSWORD, `asist` in .local/stack/secrets.json), never as a partner.
    nc = await nats.connect(
        url, user=os.environ.get("ASIST_NATS_USER"), password=os.environ.get("ASIST_NATS_PASSWORD")
    )
    js = nc.jetstream()
    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.ALL, filter_subject=f"asist.{municipality}.intake.>"
    )
    sub = await js.pull_subscribe(
        "", durable=f"partner-{municipality}", stream="INTAKE", config=config
    )
    while True:
        try:
            batch = await sub.fetch(100, timeout=2)
        except nats.errors.TimeoutError:
            break  # caught up
        for msg in batch:
            event = json.loads(msg.data)
            print(event["time"], event["type"], event["subject"], "v", event["sequence"])
            await msg.ack()  # a partner de-duplicates by event["id"]: delivery is at-least-once
    await nc.drain()


asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "nats://127.0.0.1:14222"))
