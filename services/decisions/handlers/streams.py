"""Load a case or an assistant, append to a stream and project, on the caller's connection."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from services.decisions.assistant import domain as assistant_domain
from services.decisions.assistant.domain import AssistantState
from services.decisions.case.state import CASE, CaseState
from services.decisions.domain import NotFound, assistant_stream
from services.decisions.read_models.projections import project
from shared.events.envelope import Envelope
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection


async def project_each(conn: Connection, pairs: Sequence[tuple[Envelope, BaseModel]]) -> None:
    for envelope, event in pairs:
        await project(conn, envelope, event)


async def append(
    conn: Connection,
    store: EventStore,
    stream_id: str,
    version: int,
    events: list[BaseModel],
    context: EventContext,
) -> None:
    envelopes = await store.append(conn, stream_id, version, events, context)
    await project_each(conn, list(zip(envelopes, events, strict=True)))


async def load_case(
    conn: Connection, store: EventStore, case_id: str, municipality: str | None = None
) -> tuple[CaseState, int]:
    state, version = await store.load(conn, CASE.stream(case_id), CASE.initial, CASE.evolve)
    if municipality is not None and not state.belongs_to(municipality):
        raise not_found(case_id, municipality)
    return state, version


def not_found(case_id: str, municipality: str) -> NotFound:
    # Another municipality's case is "not found": its existence is not ours to tell.
    return NotFound(
        f"no case {case_id} in {municipality}: a case opens when intake's "
        "ApplicationSubmitted event arrives, so an application submitted moments ago "
        "(or while the bus was down) may still be on its way; try again in a few "
        "seconds, and see intake's GET …/applications/{id}/delivery"
    )


async def load_assistant(
    conn: Connection, store: EventStore, assistant_id: str, municipality: str | None = None
) -> tuple[AssistantState, int]:
    """An assistant's state and version; ``municipality``: the caller's, for whom another
    municipality's assistant does not exist (None: the service itself, e.g. a follow-up)."""
    state, version = await store.load(
        conn, assistant_stream(assistant_id), AssistantState(), assistant_domain.evolve
    )
    if municipality is not None and not state.belongs_to(municipality):
        raise NotFound(f"no assistant {assistant_id} in {municipality}")
    return state, version
