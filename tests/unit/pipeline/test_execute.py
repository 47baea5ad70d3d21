"""The command pipeline (shared/commands.py) on the in-memory event store (issue #8 point 5):
load, decide, append with the version read, project; one concurrency policy (retry the
whole load/decide/append on a version conflict, then give up with the conflict).

The aggregate is intake's real application (services/intake/domain.py); the store is
``shared.store.memory``, which passes the same contract suite as PostgreSQL's.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any

import pytest
from pydantic import BaseModel

import shared.contracts  # noqa: F401  (registers the event types)
from services.intake import domain
from services.intake.errors import ApplicationAlreadyExists, ApplicationNotFound
from shared.commands import ATTEMPTS, Outcome, execute
from shared.contracts.intake import ApplicationDocumentAdded, ApplicationSubmitted
from shared.events.envelope import Envelope
from shared.store.eventstore import ConcurrencyError, EventContext
from shared.store.memory import MemoryEventStore
from tests.unit.intake.builders import APPLICATION_ID, add_document, submit
from tests.unit.pipeline.rivals import RivalStore

DAUGAVPILS = EventContext(municipality="daugavpils", correlation_id="corr-1", actor="test")
LUDZA = replace(DAUGAVPILS, municipality="ludza")
STREAM = domain.stream_id(APPLICATION_ID)


class Projected:
    """A projection that remembers what it was given (the pipeline's only side effect
    besides the append)."""

    def __init__(self) -> None:
        self.pairs: list[tuple[Envelope, BaseModel]] = []

    async def __call__(self, conn: Any, pairs: Sequence[tuple[Envelope, BaseModel]]) -> None:
        self.pairs.extend(pairs)


async def run(
    store: MemoryEventStore,
    command: domain.Command,
    context: EventContext = DAUGAVPILS,
    project: Projected | None = None,
    *,
    new_stream: bool = False,
) -> Outcome[domain.Application]:
    return await execute(
        store,
        None,
        context,
        domain.APPLICATION,
        domain.stream_id(command.application_id),
        lambda state: domain.decide(command, state),
        project=project,
        new_stream=new_stream,
    )


@pytest.fixture
def store() -> MemoryEventStore:
    return MemoryEventStore("intake")


async def test_a_command_appends_its_events_projects_them_and_returns_the_new_state(
    store: MemoryEventStore,
) -> None:
    projected = Projected()
    first = await run(store, submit(), project=projected)
    second = await run(store, add_document(), project=projected)

    assert first.version == 1 and second.version == 2
    assert first.before == domain.INITIAL and first.state.status is domain.Status.SUBMITTED
    assert second.before == first.state
    assert second.state.document_ids == {add_document().event.document_id}
    assert [type(e) for e in second.events] == [ApplicationDocumentAdded]
    assert [e.aggregateversion for e in second.envelopes] == [2]
    assert [type(event) for _, event in projected.pairs] == [
        ApplicationSubmitted,
        ApplicationDocumentAdded,
    ]
    assert [e.subject for e, _ in projected.pairs] == [STREAM, STREAM]
    assert [e.municipality for e in await store.read_stream(None, STREAM)] == ["daugavpils"] * 2


async def test_a_refused_command_appends_and_projects_nothing(store: MemoryEventStore) -> None:
    projected = Projected()
    with pytest.raises(ApplicationNotFound):
        await run(store, add_document(), project=projected)
    assert await store.read_stream(None, STREAM) == []
    assert projected.pairs == []


async def test_another_municipalitys_application_looks_absent(store: MemoryEventStore) -> None:
    await run(store, submit())
    with pytest.raises(ApplicationNotFound):
        await run(store, add_document(), LUDZA)
    assert await store.current_version(None, STREAM) == 1


async def test_a_command_that_decides_nothing_appends_nothing(store: MemoryEventStore) -> None:
    [submitted] = domain.decide(submit(), domain.INITIAL)
    assert isinstance(submitted, ApplicationSubmitted)
    forwarded = domain.RegisterForwarded(submitted)
    await run(store, forwarded)
    again = await run(store, forwarded)  # a redelivered message: safe to handle twice
    assert again.events == [] and again.envelopes == [] and again.version == 1
    assert await store.current_version(None, STREAM) == 1


async def _another_document(store: MemoryEventStore, stream_id: str) -> list[BaseModel]:
    """Another writer's document, committed between our read and our append."""
    current = await store.current_version(None, stream_id)
    return [add_document(document_id=f"0190f5a2-0000-7000-8000-{current:012d}").event]


async def add_a_document(
    store: MemoryEventStore, conn: Any, **hooks: Any
) -> Outcome[domain.Application]:
    """``execute`` of one ``add_document()`` on the application, with ``hooks``
    (``prepare``, ``project``)."""
    return await execute(
        store,
        conn,
        DAUGAVPILS,
        domain.APPLICATION,
        STREAM,
        lambda state: domain.decide(add_document(), state),
        **hooks,
    )


async def test_a_version_conflict_reloads_and_decides_again() -> None:
    store = RivalStore("intake", _another_document)
    await run(store, submit())
    store.rivals = 1
    seen: list[frozenset[str]] = []

    def decide(state: domain.Application) -> list[BaseModel]:
        seen.append(state.document_ids)
        return domain.decide(add_document(), state)

    outcome = await execute(store, None, DAUGAVPILS, domain.APPLICATION, STREAM, decide)
    rival = f"0190f5a2-0000-7000-8000-{1:012d}"
    assert seen == [frozenset(), {rival}], "the retry decided on the rival's document too"
    assert outcome.version == 3
    assert outcome.state.document_ids == {rival, add_document().event.document_id}


async def test_conflicts_on_every_attempt_give_up_with_the_conflict() -> None:
    store = RivalStore("intake", _another_document)
    await run(store, submit())
    store.rivals = ATTEMPTS
    attempts = 0

    def decide(state: domain.Application) -> list[BaseModel]:
        nonlocal attempts
        attempts += 1
        return domain.decide(add_document(), state)

    with pytest.raises(ConcurrencyError):
        await execute(store, None, DAUGAVPILS, domain.APPLICATION, STREAM, decide)
    assert attempts == ATTEMPTS
    assert await store.current_version(None, STREAM) == 1 + ATTEMPTS, "only the rivals' events"


async def test_a_new_stream_that_exists_after_all_is_read_on_the_retry(
    store: MemoryEventStore,
) -> None:
    await run(store, submit(), new_stream=True)
    with pytest.raises(ApplicationAlreadyExists):
        await run(store, submit(), new_stream=True)
    assert await store.current_version(None, STREAM) == 1


async def test_attempts_below_one_are_a_programming_error(store: MemoryEventStore) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await execute(store, None, DAUGAVPILS, domain.APPLICATION, STREAM, lambda s: [], attempts=0)


class Savepoints:
    """A connection with savepoints, as asyncpg's: ``transaction()`` undoes what was
    ``taken`` inside it when it ends with an exception."""

    def __init__(self) -> None:
        self.taken: list[int] = []

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        before = list(self.taken)
        try:
            yield
        except BaseException:
            self.taken[:] = before
            raise


async def test_prepare_runs_between_decide_and_append_on_the_state_decide_saw() -> None:
    store = MemoryEventStore("intake")
    await run(store, submit())
    seen: list[domain.Application] = []

    async def prepare(conn: Any, state: Any, events: list[BaseModel]) -> list[BaseModel]:
        seen.append(state)
        assert await store.current_version(conn, STREAM) == 1, "before the append"
        return [e.model_copy(update={"title": "prepared"}) for e in events]

    projected = Projected()
    outcome = await add_a_document(store, None, prepare=prepare, project=projected)
    assert [s.document_ids for s in seen] == [frozenset()]
    [stored] = [store.decode(e) for e in await store.read_stream(None, STREAM, after_version=1)]
    assert isinstance(stored, ApplicationDocumentAdded)
    assert stored.title == "prepared", "the prepared events are appended"
    assert outcome.events == [stored] and [e for _, e in projected.pairs] == [stored]


async def test_a_conflict_undoes_what_prepare_took_and_prepares_again() -> None:
    store = RivalStore("intake", _another_document)
    await run(store, submit())
    store.rivals = 1
    conn = Savepoints()

    async def take_a_number(conn: Any, state: Any, events: list[BaseModel]) -> list[BaseModel]:
        conn.taken.append(len(conn.taken) + 1)  # like a counter row: the next number
        return events

    await add_a_document(store, conn, prepare=take_a_number)
    assert conn.taken == [1], "the failed attempt gave its number back: no gap"
    assert await store.current_version(None, STREAM) == 3


async def test_a_refusal_prepares_nothing(store: MemoryEventStore) -> None:
    prepared: list[BaseModel] = []

    async def prepare(conn: Any, state: Any, events: list[BaseModel]) -> list[BaseModel]:
        prepared.extend(events)
        return events

    with pytest.raises(ApplicationNotFound):
        await add_a_document(store, None, prepare=prepare)
    assert prepared == []
