"""Follow every decision of every municipality as it happens (a partner's first step).

.venv/bin/python examples/01_subscribe.py [nats://127.0.0.1:14222]
"""

import asyncio
import sys

import nats
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from nats.js.api import DeliverPolicy


async def main(url: str) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    # An ephemeral ordered consumer: new events only, in stream order, nothing to ack.
    sub = await js.subscribe(
        "asist.*.decisions.>", ordered_consumer=True, deliver_policy=DeliverPolicy.NEW
    )
    async for msg in sub.messages:
        event = JSONFormat().read(CloudEvent, msg.data)
        print(event.get_type(), event.get_extension("municipality"), event.get_subject())


asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "nats://127.0.0.1:14222"))
