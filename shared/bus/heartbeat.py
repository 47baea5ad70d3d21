"""Tell JetStream a batch is still being handled, so the ack wait can be short (issue #19).

The ack wait is how long JetStream waits before it redelivers an unacknowledged message.
A process killed with a batch in hand leaves its messages unacknowledged, and the next
start waited out the whole ack wait (30 s then; the demo stalled 22 s). A short ack wait
(``ASIST_CONSUMER_ACK_WAIT_SECONDS``, 5 s) makes that stall short, and this heartbeat
(``+WPI``, "work in progress", every third of the ack wait) keeps a slow but live batch
from being redelivered while it is still being handled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from nats.aio.msg import Msg


@contextlib.asynccontextmanager
async def in_progress_while(
    messages: Sequence[Msg], ack_wait_seconds: float
) -> AsyncIterator[None]:
    async def beat() -> None:
        while True:
            await asyncio.sleep(ack_wait_seconds / 3)
            for msg in messages:
                # Already acknowledged, or the connection is down: nothing to extend.
                with contextlib.suppress(Exception):
                    await msg.in_progress()

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
