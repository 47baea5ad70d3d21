"""The key bucket on a real NATS (issue #9): keys shared between services, purges seen by all."""

from __future__ import annotations

import asyncio

import pytest
from nats.js import JetStreamContext

from shared.privacy.cipher import generate_master_key, parse_master_key
from shared.privacy.keyring import KEY_BUCKET, Keyring, open_key_bucket, watch_purges

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


async def test_a_key_destroyed_by_one_service_is_forgotten_by_the_others(
    js: JetStreamContext,
) -> None:
    master = parse_master_key(generate_master_key())
    writer = Keyring(await open_key_bucket(js), master)
    reader_bucket = await open_key_bucket(js)
    reader = Keyring(reader_bucket, master)
    stop = asyncio.Event()
    watch = asyncio.create_task(watch_purges(reader_bucket.kv, reader, stop))
    try:
        kid, _ = await writer.key_for("ludza/personal_code:32000000001")
        assert await reader.key(kid) is not None  # now cached in the reader's process
        info = await js.stream_info(f"KV_{KEY_BUCKET}")
        assert info.config.max_msgs_per_subject == 1, "history 1: no old revision survives"

        await writer.destroy("ludza/personal_code:32000000001")
        for _ in range(100):
            if await reader.key(kid) is None:
                break
            await asyncio.sleep(0.05)
        assert await reader.key(kid) is None, "the reader's cache dropped the destroyed key"
        assert await reader.key_id("ludza/personal_code:32000000001") is None
    finally:
        stop.set()
        await watch
