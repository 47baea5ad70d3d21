"""Empty read-model tables inside a running service without a lock-order deadlock.

A rebuild (and an erasure, which rebuilds) empties several tables with TRUNCATE while the
service's projections keep writing. TRUNCATE takes each table's ACCESS EXCLUSIVE lock in
turn and waits for each while holding the ones before it. A projection whose transaction
wrote a later table of the list and then writes an earlier one waits for the rebuild while
the rebuild waits for it: PostgreSQL breaks the circle after ``deadlock_timeout`` by
failing one of them (seen as "deadlock detected" in the erasure test: the erasure waited
for AccessExclusiveLock on one read model while a consumer's batch, holding that table,
waited for RowExclusiveLock on a table the erasure had already truncated).

So the locks are taken all at once or not at all: ``LOCK TABLE … NOWAIT`` in a savepoint.
When any table is busy, the savepoint is rolled back, which gives back the locks it took,
and the attempt is repeated shortly after; the rebuild never waits while holding a table,
so nothing can wait for it in a circle. Writers are short (one command or one fetched
batch), so the wait is too; ``patience`` bounds it with a clear error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import asyncpg

from shared.store.types import Connection

PATIENCE_SECONDS = 30.0
_FIRST_PAUSE, _LONGEST_PAUSE = 0.005, 0.1


class TablesBusy(RuntimeError):
    """The tables stayed locked by writers for longer than the patience given."""


async def truncate_all(
    conn: Connection, tables: Sequence[str], patience: float = PATIENCE_SECONDS
) -> None:
    """TRUNCATE ``tables`` in the caller's transaction, their locks taken together.

    Must run inside a transaction (the locks last until it ends); raises ``TablesBusy``
    naming the tables when they were never free at once within ``patience`` seconds.
    """
    listed = ", ".join(tables)
    give_up = time.monotonic() + patience
    pause = _FIRST_PAUSE
    while True:
        try:
            async with conn.transaction():  # a savepoint: a refusal gives back what it took
                await conn.execute(f"lock table {listed} in access exclusive mode nowait")
        except asyncpg.LockNotAvailableError:
            if time.monotonic() >= give_up:
                raise TablesBusy(
                    f"could not lock {listed} for a rebuild: writers held them for {patience:.0f} s"
                ) from None
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)
            continue
        await conn.execute(f"truncate {listed}")
        return
