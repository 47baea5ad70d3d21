"""A data key per person, kept in a JetStream key-value bucket only the services can read.

Entries of the bucket ``ASIST_KEYS`` (history 1, in the services' NATS account):

    k.<key id>          {"wrapped": <data key wrapped by ASIST_MASTER_KEY>, "refs": [...]}
    r.<digest of ref>   <key id>

A *reference* names a person within one municipality: ``daugavpils/personal_code:<code>``,
or an id that belongs to that person (``daugavpils/case_id:<id>``, linked when the event
that opens the case names the client). The index stores only a keyed digest of it.

Erasure purges the key entry and every index entry pointing at it: from then on every
field sealed with that key reads "erased", wherever a copy of the event is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from shared.logging import get_logger
from shared.privacy.cipher import (
    index_key,
    new_key,
    new_key_id,
    reference_digest,
    unwrap_key,
    wrap_key,
)

log = get_logger(__name__)

KEY_BUCKET = "ASIST_KEYS"
RECORDS_KEPT = 1024  # key records kept after a read, for the next link (Keyring._records)


class KeyExists(Exception):
    """``create`` of an entry that is already there."""


class KeyBucket(Protocol):
    """The few key-value operations the keyring needs (a JetStream KV bucket in production)."""

    async def get(self, key: str) -> tuple[bytes, int] | None: ...

    async def create(self, key: str, value: bytes) -> None: ...

    async def update(self, key: str, value: bytes, revision: int) -> bool: ...

    async def purge(self, key: str) -> None: ...


class KeyStoreUnavailable(RuntimeError):
    """The key bucket cannot be reached (NATS is down): a new person's key cannot be made or
    looked up, so nothing that needs it can be recorded now. Answered as 503 with
    Retry-After (shared/http/outage.py); the client sends the same request again."""


class NatsKeyBucket:
    """:class:`KeyBucket` on a JetStream KV bucket."""

    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    def _reachable(self) -> None:
        # Fail at once while the connection is down: a KV request would otherwise wait for
        # its timeout (5 s) in every request of every caseworker during an outage.
        connection = self.kv._js._nc  # nats-py keeps the client here; no public accessor
        if not connection.is_connected:
            raise KeyStoreUnavailable("the key store (NATS) is not connected")

    async def get(self, key: str) -> tuple[bytes, int] | None:
        self._reachable()
        try:
            entry = await self.kv.get(key)
        except KeyNotFoundError:  # also KeyDeletedError: a purged key reads as absent
            return None
        return (entry.value or b""), int(entry.revision or 0)

    async def create(self, key: str, value: bytes) -> None:
        self._reachable()
        try:
            await self.kv.create(key, value)
        except KeyWrongLastSequenceError as error:
            raise KeyExists(key) from error

    async def update(self, key: str, value: bytes, revision: int) -> bool:
        self._reachable()
        try:
            await self.kv.update(key, value, last=revision)
        except KeyWrongLastSequenceError:
            return False
        return True

    async def purge(self, key: str) -> None:
        self._reachable()
        await self.kv.purge(key)


async def open_key_bucket(js: JetStreamContext, replicas: int = 1) -> NatsKeyBucket:
    """The keys bucket, created on first use: history 1, file storage, ``replicas`` copies."""
    try:
        kv = await js.key_value(KEY_BUCKET)
    except BucketNotFoundError:
        kv = await js.create_key_value(
            KeyValueConfig(
                bucket=KEY_BUCKET,
                description="Data keys of persons (issue #9); wrapped by ASIST_MASTER_KEY",
                history=1,
                storage=StorageType.FILE,
                replicas=replicas,
            )
        )
    return NatsKeyBucket(kv)


class Keyring:
    """Finds or makes a person's data key, and destroys it on erasure.

    Unwrapped keys are cached in the process; :meth:`forget` (called for an erasure
    event, and by the bucket watch for a purge seen from another process) drops them.
    """

    def __init__(self, bucket: KeyBucket, master_key: bytes) -> None:
        self.bucket = bucket
        self.master = master_key
        self._index = index_key(master_key)
        self._keys: dict[str, AESGCM] = {}  # key id -> the cipher of its unwrapped key
        self._kid_of: dict[str, str] = {}  # reference digest -> key id
        # The key records (value, revision) read by :meth:`key`, so that linking an id to a
        # person whose event was just opened updates the record without reading it again
        # (issue #14: decisions links every new case; one key-bucket round trip less). Used
        # once, as the first guess of a compare-and-set; bounded, oldest dropped first.
        self._records: dict[str, tuple[bytes, int]] = {}

    def digest(self, reference: str) -> str:
        return reference_digest(self._index, reference)

    async def key(self, key_id: str) -> AESGCM | None:
        """The data key ``key_id`` (as its cipher); None once it was destroyed."""
        cached = self._keys.get(key_id)
        if cached is not None:
            return cached
        found = await self.bucket.get(f"k.{key_id}")
        if found is None:
            return None
        key = AESGCM(unwrap_key(self.master, key_id, json.loads(found[0])["wrapped"]))
        self._keys[key_id] = key
        self._records[key_id] = found
        if len(self._records) > RECORDS_KEPT:
            del self._records[next(iter(self._records))]
        return key

    async def key_id(self, reference: str) -> str | None:
        """The key id ``reference`` points to, without making one."""
        digest = self.digest(reference)
        cached = self._kid_of.get(digest)
        if cached is not None and cached in self._keys:
            return cached
        found = await self.bucket.get(f"r.{digest}")
        if found is None:
            self._kid_of.pop(digest, None)
            return None
        kid = found[0].decode()
        self._kid_of[digest] = kid
        return kid

    async def key_for(
        self, reference: str, aliases: tuple[str, ...] = (), *, looked_up: bool = False
    ) -> tuple[str, AESGCM]:
        """The data key of ``reference``'s person, made on first use (with ``aliases``).

        ``looked_up``: the caller just found no index entry, so the first lookup is skipped.
        """
        for attempt in range(5):
            kid = None if looked_up and attempt == 0 else await self.key_id(reference)
            if kid is not None:
                key = await self.key(kid)
                if key is not None:
                    return kid, key
                # An index entry whose key was destroyed (an erasure racing us): drop it.
                await self.bucket.purge(f"r.{self.digest(reference)}")
                self._kid_of.pop(self.digest(reference), None)
                continue
            made = await self._make(reference, aliases)
            if made is not None:
                return made
        raise RuntimeError("no stable data key for a reference after 5 attempts")

    async def _make(self, reference: str, aliases: tuple[str, ...]) -> tuple[str, AESGCM] | None:
        """A new key for ``reference`` and its ``aliases``: 2 + len(aliases) round trips."""
        digest = self.digest(reference)
        alias_digests = [self.digest(a) for a in aliases]
        kid, key = new_key_id(), new_key()
        entry = {"wrapped": wrap_key(self.master, kid, key), "refs": [digest, *alias_digests]}
        await self.bucket.create(f"k.{kid}", json.dumps(entry).encode())
        try:
            await self.bucket.create(f"r.{digest}", kid.encode())
        except KeyExists:
            # Another writer made this person's key first: use theirs, drop ours.
            await self.bucket.purge(f"k.{kid}")
            return None
        cipher = AESGCM(key)
        self._keys[kid] = cipher
        self._kid_of[digest] = kid
        for alias in alias_digests:
            with contextlib.suppress(KeyExists):  # already someone's: first link wins
                await self.bucket.create(f"r.{alias}", kid.encode())
                self._kid_of[alias] = kid
        return kid, cipher

    async def link(self, alias: str, person: str) -> None:
        """Make ``alias`` (an id of the person) point to ``person``'s key, if it points nowhere."""
        digest = self.digest(alias)
        if digest in self._kid_of:
            return
        kid = await self.key_id(person)
        if kid is None:  # a new person: the key is made with the alias in one go
            await self.key_for(person, (alias,), looked_up=True)
            return
        try:
            await self.bucket.create(f"r.{digest}", kid.encode())
        except KeyExists:
            # Already linked (first link wins): decisions' link of an application id that
            # intake made. Not read back: nothing here needs whom it names (a later lookup
            # reads the bucket), and reading it cost a round trip per new case (issue #14).
            return
        self._kid_of[digest] = kid
        await self._remember_ref(kid, digest)

    async def _remember_ref(self, kid: str, digest: str) -> None:
        """Add an index entry to the key's list, so an erasure finds and purges it too.

        A compare-and-set on the record's revision: a stale record read earlier (by
        :meth:`key`) only makes the first attempt fail, and the next reads the record afresh.
        """
        for _ in range(10):
            found = self._records.pop(kid, None) or await self.bucket.get(f"k.{kid}")
            if found is None:
                return
            entry = json.loads(found[0])
            if digest in entry["refs"]:
                return
            entry["refs"].append(digest)
            if await self.bucket.update(f"k.{kid}", json.dumps(entry).encode(), found[1]):
                return
        raise RuntimeError(f"could not record an index entry of key {kid}")

    async def destroy(self, reference: str) -> str | None:
        """Erase ``reference``'s person: purge the key and its index; returns the key id."""
        kid = await self.key_id(reference)
        if kid is None:
            return None
        found = await self.bucket.get(f"k.{kid}")
        refs = json.loads(found[0])["refs"] if found is not None else []
        digest = self.digest(reference)
        for ref in {*refs, digest}:
            await self.bucket.purge(f"r.{ref}")
        await self.bucket.purge(f"k.{kid}")
        self.forget(kid)
        log.info("privacy.key_destroyed", key_id=kid)
        return kid

    def forget(self, key_id: str) -> None:
        """Drop a destroyed key (and index entries naming it) from this process's cache."""
        self._keys.pop(key_id, None)
        self._records.pop(key_id, None)
        for digest in [d for d, k in self._kid_of.items() if k == key_id]:
            del self._kid_of[digest]


async def watch_purges(kv: KeyValue, keyring: Keyring, stop: asyncio.Event) -> None:
    """Forget keys another process destroyed, as soon as the bucket shows the purge."""
    watcher = await kv.watch("k.*", include_history=False, ignore_deletes=False)
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                entry = await watcher.updates(timeout=1.0)  # type: ignore[no-untyped-call]
                if entry is not None and entry.operation in ("DEL", "PURGE"):
                    keyring.forget(entry.key.removeprefix("k."))
    finally:
        with contextlib.suppress(Exception):
            await watcher.stop()  # type: ignore[no-untyped-call]
