"""The command pipeline (shared/commands.py) on PostgreSQL: the one concurrency policy
(optimistic append, the whole load/decide/append retried on a conflict) holds under real
concurrent transactions, and the projection commits or rolls back with the events."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest
from pydantic import BaseModel

import shared.contracts  # noqa: F401  (registers the event types)
from services.intake import domain
from shared.commands import execute
from shared.events.envelope import Envelope
from shared.store.eventstore import EventContext, EventStore
from tests.unit.intake.builders import APPLICATION_ID, add_document, submit

pytestmark = pytest.mark.integration

CONTEXT = EventContext(municipality="daugavpils", correlation_id="corr-1", actor="test")
STREAM = domain.stream_id(APPLICATION_ID)


async def record(conn: Any, pairs: Sequence[tuple[Envelope, BaseModel]]) -> None:
    """A projection: one row per event, on the command's connection."""
    await conn.executemany(
        "insert into projected (stream_id, version) values ($1, $2)",
        [(e.subject, e.aggregateversion) for e, _ in pairs],
    )


async def command(pool: asyncpg.Pool, store: EventStore, cmd: domain.Command) -> int:
    async with pool.acquire() as conn, conn.transaction():
        outcome = await execute(
            store,
            conn,
            CONTEXT,
            domain.APPLICATION,
            domain.stream_id(cmd.application_id),
            lambda state: domain.decide(cmd, state),
            project=record,
        )
        return outcome.version


@pytest.fixture
async def pool(event_db: asyncpg.Pool) -> asyncpg.Pool:
    async with event_db.acquire() as conn:
        await conn.execute("create table projected (stream_id text, version int)")
    return event_db


async def test_concurrent_commands_on_one_stream_all_land_in_order(pool: asyncpg.Pool) -> None:
    store = EventStore("intake")
    await command(pool, store, submit())
    documents = [add_document(document_id=f"0190f5a2-0000-7000-8000-{n:012d}") for n in range(1, 9)]
    versions = await asyncio.gather(*(command(pool, store, d) for d in documents))

    assert sorted(versions) == list(range(2, 10)), "each command appended after the other"
    async with pool.acquire() as conn:
        state, version = await store.load(conn, STREAM, domain.INITIAL, domain.evolve)
        projected = await conn.fetch("select version from projected order by version")
    assert version == 9
    assert state.document_ids == {d.event.document_id for d in documents}, "none lost, none merged"
    assert [r["version"] for r in projected] == list(range(1, 10))


async def test_the_projection_commits_and_rolls_back_with_the_events(pool: asyncpg.Pool) -> None:
    store = EventStore("intake")
    with pytest.raises(RuntimeError, match="after the append"):
        async with pool.acquire() as conn, conn.transaction():
            await execute(
                store,
                conn,
                CONTEXT,
                domain.APPLICATION,
                STREAM,
                lambda state: domain.decide(submit(), state),
                project=record,
            )
            raise RuntimeError("a failure after the append")  # e.g. the reply
    async with pool.acquire() as conn:
        assert await store.current_version(conn, STREAM) == 0
        assert await conn.fetchval("select count(*) from projected") == 0
        assert await conn.fetchval("select count(*) from outbox") == 0


async def test_a_conflict_gives_back_what_prepare_took_so_numbers_stay_gapless(
    pool: asyncpg.Pool,
) -> None:
    """``prepare`` takes the next number of a counter row (as decisions' register numbers
    do); a rival commits between our read and our append, our append conflicts, and the
    savepoint around ``prepare`` and the append gives the number back before the retry."""
    store = EventStore("intake")
    await command(pool, store, submit())
    async with pool.acquire() as conn:
        await conn.execute("create table counter (n int); insert into counter values (0)")
    rivals = [add_document(document_id="0190f5a2-0000-7000-8000-000000000099")]

    async def take_a_number(conn: Any, state: Any, events: list[BaseModel]) -> list[BaseModel]:
        number = await conn.fetchval("update counter set n = n + 1 returning n")
        await conn.execute("insert into projected (stream_id, version) values ('n', $1)", number)
        if rivals:  # another writer commits to the stream now, before our append
            await command(pool, store, rivals.pop())
        return events

    async with pool.acquire() as conn, conn.transaction():
        outcome = await execute(
            store,
            conn,
            CONTEXT,
            domain.APPLICATION,
            STREAM,
            lambda state: domain.decide(add_document(), state),
            prepare=take_a_number,
        )
    assert outcome.version == 3, "appended after the rival's document"
    async with pool.acquire() as conn:
        assert await conn.fetchval("select n from counter") == 1
        taken = await conn.fetch("select version from projected where stream_id = 'n'")
    assert [r["version"] for r in taken] == [1], "the failed attempt's number was given back"
