"""Wiring for a service: the keyring on the services' NATS account and ``ASIST_MASTER_KEY``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import nats
from nats.js import JetStreamContext

from shared.bus.nats_auth import nats_auth
from shared.events.registry import EventRegistry
from shared.events.registry import registry as default_registry
from shared.privacy.cipher import parse_master_key
from shared.privacy.keyring import Keyring, open_key_bucket, watch_purges
from shared.privacy.protect import Protector
from shared.settings import Settings


class MasterKeyMissing(RuntimeError):
    pass


def master_key(settings: Settings) -> bytes:
    if not settings.master_key:
        raise MasterKeyMissing(
            "ASIST_MASTER_KEY is not set: personal fields cannot be encrypted. The local stack "
            "keeps one in .local/stack/secrets.json; in production it comes from the secret "
            "store (docs/privacy.md)."
        )
    return parse_master_key(settings.master_key)


async def open_protector(
    js: JetStreamContext, settings: Settings, registry: EventRegistry, stop: asyncio.Event
) -> tuple[Protector, asyncio.Task[None]]:
    """The service's protector, and the task that forgets keys destroyed elsewhere."""
    key = master_key(settings)
    bucket = await open_key_bucket(js, settings.stream_replicas)
    keyring = Keyring(bucket, key)
    watch = asyncio.create_task(watch_purges(bucket.kv, keyring, stop), name="key-purges")
    return Protector(keyring, registry), watch


@contextlib.asynccontextmanager
async def connected_protector(
    settings: Settings, registry: EventRegistry = default_registry
) -> AsyncIterator[Protector]:
    """A protector on a NATS connection of its own, for tools (rebuild, migration, bench)."""
    nc = await nats.connect(settings.nats_url, **nats_auth(settings))
    try:
        bucket = await open_key_bucket(nc.jetstream(), settings.stream_replicas)
        yield Protector(Keyring(bucket, master_key(settings)), registry)
    finally:
        await nc.drain()
