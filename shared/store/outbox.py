"""The outbox relay: publishes committed events to JetStream, then marks them published.

Guarantees (architecture.md §5):
- nothing is skipped: the relay works from the set of *unpublished* rows, not from a
  cursor, so a row that commits late is still found;
- nothing is duplicated on the bus: every message carries ``Nats-Msg-Id`` = event id, so a
  relay that crashed between publishing and marking re-publishes into JetStream's
  de-duplication window and the stream stores each event once;
- order per aggregate: rows are published in position order, which per stream equals
  version order (an append expects the previous version to be committed);
- one relay per database: a session advisory lock elects the publisher among replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg
from nats.js import JetStreamContext

from shared.logging import get_logger
from shared.store.eventstore import OUTBOX_CHANNEL, on_commit_of_appends
from shared.store.types import Connection

log = get_logger(__name__)
RELAY_LOCK_KEY = 0x52454C4159  # "RELAY"

# A test hook: called after publishing a batch and before marking it (simulates a crash).
AfterPublish = Callable[[list[int]], Awaitable[None]]


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        *,
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        publish_window: int = 64,
        after_publish: AfterPublish | None = None,
    ) -> None:
        self.pool = pool
        self.js = js
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.publish_window = publish_window
        self.after_publish = after_publish
        self.published_total = 0
        self._wake = asyncio.Event()
        self.failing = False  # publishing to JetStream fails (logged once per change)

    async def publish_pending(self, conn: Connection) -> int:
        """Publish one batch of unpublished events in position order; returns how many."""
        rows = await conn.fetch(
            "select o.position, o.subject, e.event_id::text as event_id, e.envelope::text as body"
            " from outbox o join events e using (position)"
            " where o.published_at is null order by o.position limit $1",
            self.batch_size,
        )
        if not rows:
            return 0
        done: list[int] = []
        for start in range(0, len(rows), self.publish_window):
            window = rows[start : start + self.publish_window]
            # Publishes of one window are pipelined on one connection, so JetStream receives
            # them in this order; acks are awaited before the next window.
            results = await asyncio.gather(
                *(
                    self.js.publish(
                        r["subject"], r["body"].encode(), headers={"Nats-Msg-Id": r["event_id"]}
                    )
                    for r in window
                ),
                return_exceptions=True,
            )
            for row, result in zip(window, results, strict=True):
                if isinstance(result, BaseException):
                    # Stop at the first failure; the rest go again next round, after it.
                    self._publish_failed(row["position"], result)
                    await self._mark(conn, done)
                    return len(done)
                done.append(row["position"])
            self._publish_succeeded()
        if self.after_publish is not None:
            await self.after_publish(done)
        await self._mark(conn, done)
        return len(done)

    async def _mark(self, conn: Connection, positions: list[int]) -> None:
        if positions:
            await conn.execute(
                "update outbox set published_at = now() where position = any($1::bigint[])",
                positions,
            )
            self.published_total += len(positions)

    async def run(self, stop: asyncio.Event, on_progress: Callable[[], None] | None = None) -> None:
        """Publish until ``stop`` is set; wakes on the commit of an append in this process, on
        NOTIFY ``asist_outbox`` from elsewhere, and polls as a fallback.

        A database error ends the run (the connection may be dead: a killed server leaves
        it closed, and asyncpg then detaches it from its pool proxy, issue #19); the
        runtime's supervisor logs it once and runs the relay again on a fresh connection,
        which takes the advisory lock again. ``on_progress`` is called after every round
        trip to the database that succeeded, so ``/ready`` can tell a stuck relay.
        """
        progress = on_progress or _nothing
        async with self.pool.acquire() as conn:
            while not stop.is_set():
                if await conn.fetchval("select pg_try_advisory_lock($1)", RELAY_LOCK_KEY):
                    break
                progress()  # a standby replica is healthy too
                await _wait(stop, self.poll_seconds * 4)
            else:
                return
            await conn.add_listener(OUTBOX_CHANNEL, self._on_notify)
            # Woken when a transaction of this process that appended events ends.
            stop_hearing_commits = on_commit_of_appends(self._on_notify)
            try:
                while not stop.is_set():
                    # Cleared before looking, so a commit during the look is not missed.
                    self._wake.clear()
                    published = await self.publish_pending(conn)
                    progress()
                    if published < self.batch_size:
                        await _first(stop, self._wake, self.poll_seconds)
            finally:
                stop_hearing_commits()
                await self._let_go(conn)

    async def _let_go(self, conn: Connection) -> None:
        """Ready the connection to go back to the pool: without the relay's listener and lock;
        one that cannot be readied is terminated, so it never goes back with them.

        A connection may be closed under the relay without asyncpg's own clean-up having run
        (a protocol error aborts it, e.g. "cannot switch to state 12; another operation is in
        progress" when PostgreSQL was killed mid-query, seen in the fault suite). asyncpg's
        ``remove_listener`` does nothing on a closed connection, so the listener stayed and
        the release warned that the connection "is being released to the pool but has 1
        active notification listener". ``terminate`` runs that clean-up: it drops the
        listener and hands the pool an empty slot, which it fills with a new connection.
        """
        with contextlib.suppress(Exception):
            if not conn.is_closed():
                await conn.remove_listener(OUTBOX_CHANNEL, self._on_notify)
                await conn.execute("select pg_advisory_unlock($1)", RELAY_LOCK_KEY)
                return
        # Closed, or the clean-up failed. A connection asyncpg already detached from its pool
        # proxy (a lost connection whose clean-up did run) refuses every call: nothing to do.
        with contextlib.suppress(asyncpg.InterfaceError):
            conn.terminate()

    def _publish_failed(self, position: int, error: BaseException) -> None:
        # One line when publishing starts failing (NATS down), one when it works again;
        # not one per poll for the whole outage.
        if not self.failing:
            self.failing = True
            log.warning("outbox.publish_failed", position=position, error=repr(error))

    def _publish_succeeded(self) -> None:
        if self.failing:
            self.failing = False
            log.info("outbox.publish_recovered")

    def _on_notify(self, *_: object) -> None:
        self._wake.set()


def _nothing() -> None:
    return None


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


async def _first(a: asyncio.Event, b: asyncio.Event, seconds: float) -> None:
    tasks = [asyncio.ensure_future(a.wait()), asyncio.ensure_future(b.wait())]
    try:
        await asyncio.wait(tasks, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
