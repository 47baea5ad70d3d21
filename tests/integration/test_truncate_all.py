"""Emptying read models beside live writers (shared/store/truncate.py): no lock-order deadlock.

The writer holds table ``later`` and then writes table ``earlier`` while a rebuild empties
``earlier, later``. A plain TRUNCATE holds ``earlier`` while it waits for ``later``: the
two wait for each other and PostgreSQL fails one (the control below shows it happen).
``truncate_all`` never waits while holding a table, so the writer commits and the rebuild
follows it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from shared.store.truncate import TablesBusy, truncate_all
from shared.store.types import Connection

TABLES = ["earlier", "later"]


async def _tables(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("create table earlier (id int); create table later (id int)")


async def _until(conn: Connection, sql: str, *args: object) -> None:
    for _ in range(3000):  # 30 s at most: a bound on a loaded machine, not a timing claim
        if await conn.fetchval(sql, *args):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never true: {sql}")


async def _race(pool: asyncpg.Pool, empty: Callable[[Connection], Awaitable[None]]) -> None:
    """A writer holding ``later`` writes ``earlier`` once the rebuild has tried its locks."""
    async with pool.acquire() as writer, pool.acquire() as rebuilder, pool.acquire() as watch:
        for conn in (writer, rebuilder):
            await conn.execute("set deadlock_timeout = '200ms'")
        rebuilder_pid = rebuilder.get_server_pid()

        async def rebuild() -> None:
            async with rebuilder.transaction():
                await empty(rebuilder)

        rebuilding: asyncio.Task[None] | None = None
        outcome: BaseException | None = None
        try:
            async with writer.transaction():
                await writer.execute("insert into later values (1)")
                rebuilding = asyncio.create_task(rebuild())
                # The rebuild has tried: it waits for a lock (plain TRUNCATE), or the
                # all-at-once LOCK of truncate_all was refused while we hold `later` and its
                # savepoint rolled back. The rollback is what stays visible: the LOCK itself
                # is the last statement only for the instant it runs, which a poll seldom
                # catches (under load, never within 5 s: the cause of an intermittent fail).
                await _until(
                    watch,
                    "select wait_event_type = 'Lock' or query like 'ROLLBACK TO %'"
                    " from pg_stat_activity where pid = $1",
                    rebuilder_pid,
                )
                await writer.execute("insert into earlier values (1)")
        finally:  # whichever PostgreSQL failed, the other finishes before the pool closes
            if rebuilding is not None:
                (outcome,) = await asyncio.gather(rebuilding, return_exceptions=True)
        if isinstance(outcome, BaseException):
            raise outcome
        async with pool.acquire() as conn:
            assert await conn.fetchval("select count(*) from earlier") == 0
            assert await conn.fetchval("select count(*) from later") == 0


async def test_a_rebuild_beside_a_writer_in_the_other_order_does_not_deadlock(
    event_db: asyncpg.Pool,
) -> None:
    await _tables(event_db)
    await _race(event_db, lambda conn: truncate_all(conn, TABLES))


async def test_control_a_plain_truncate_deadlocks_with_that_writer(event_db: asyncpg.Pool) -> None:
    await _tables(event_db)

    async def plain(conn: Connection) -> None:
        await conn.execute("truncate earlier, later")

    with pytest.raises(asyncpg.DeadlockDetectedError):
        await _race(event_db, plain)


async def test_tables_held_longer_than_the_patience_are_named(event_db: asyncpg.Pool) -> None:
    await _tables(event_db)
    async with event_db.acquire() as writer, event_db.acquire() as rebuilder:
        holding = writer.transaction()
        await holding.start()
        await writer.execute("insert into later values (1)")
        with pytest.raises(TablesBusy, match="earlier, later"):
            async with rebuilder.transaction():
                await truncate_all(rebuilder, TABLES, patience=0.2)
        await holding.rollback()
