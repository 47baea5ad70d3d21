"""Application layer: load an application, decide, append its events and project them.

All in the caller's transaction (api.py runs it inside ``run_command``), so the events, their
outbox rows, the read models and the stored idempotent response commit together or not at all.
"""

from __future__ import annotations

from pydantic import BaseModel

from services.intake.domain import (
    INITIAL,
    Application,
    Command,
    SubmitApplication,
    decide,
    evolve,
)
from services.intake.errors import Refused
from services.intake.projections import project_many
from shared.events.envelope import Envelope
from shared.store.eventstore import ConcurrencyError, EventContext, EventStore
from shared.store.types import Connection

STREAM_PREFIX = "application-"
# A conflict means another command on the same application committed between our read and
# our append. The append holds the store's lock until commit, so after one reload nobody can
# slip in again; the third attempt is only a safety margin.
ATTEMPTS = 3


def stream_id(application_id: str) -> str:
    """The event stream (and CloudEvents ``subject``) of one application."""
    return f"{STREAM_PREFIX}{application_id}"


async def load(
    conn: Connection, store: EventStore, application_id: str, municipality: str
) -> tuple[Application, int]:
    """The application's state and version; another municipality's application looks absent.

    One intake database serves every municipality, so the stream's municipality is checked
    here: a caseworker must never learn that another municipality's id exists.
    """
    envelopes = await store.read_stream(conn, stream_id(application_id))
    if envelopes and envelopes[0].municipality != municipality:
        return INITIAL, len(envelopes)
    state = INITIAL
    for envelope in envelopes:
        state = evolve(state, store.decode(envelope))
    return state, envelopes[-1].aggregateversion if envelopes else 0


async def prepare_keys(store: EventStore, command: Command, context: EventContext) -> None:
    """Make (or fetch) the data keys a new application's events are sealed with, before the
    command's transaction starts (issue #14).

    A new person's key is several round trips to the key bucket (shared/privacy/keyring.py);
    made inside the transaction, they held a pooled database connection all along, and the
    pool (10 connections) then bounded how many commands a second intake could answer. The
    keyring caches what this makes, so sealing in the transaction costs no round trip.
    Only for a submission: its application id is new, so its events are known before any
    read (a refused one makes no key: ``decide`` raises first). Other commands concern an
    application whose person's key already exists. A retry with a stored Idempotency-Key
    runs this too (the stored answer is found only in the transaction): it links an
    application id that is then never used to the person's key; the link is listed in the
    key's record, so the person's erasure removes it with the rest.
    """
    if store.protector is None or not isinstance(command, SubmitApplication):
        return
    try:
        events = decide(command, INITIAL)
    except Refused:
        return  # answered in the transaction, with the same refusal
    stream = stream_id(command.application_id)
    for version, event in enumerate(events, start=1):
        await store.protector.seal(store.envelope(stream, version, event, context))


async def handle(
    conn: Connection, store: EventStore, command: Command, context: EventContext
) -> list[Envelope]:
    """Decide ``command`` on the current application and record what it caused."""
    stream = stream_id(command.application_id)
    for attempt in range(1, ATTEMPTS + 1):
        if attempt == 1 and isinstance(command, SubmitApplication):
            # The id was made for this command (a UUIDv7 of this request): no stream to
            # read. Should one exist anyway, the append conflicts and the retry reads it.
            state, version = INITIAL, 0
        else:
            state, version = await load(conn, store, command.application_id, context.municipality)
        events: list[BaseModel] = decide(command, state)
        try:
            envelopes = await store.append(conn, stream, version, events, context)
        except ConcurrencyError:
            if attempt == ATTEMPTS:
                raise  # answered 409 by the shared problem handlers
            continue
        await project_many(conn, list(zip(envelopes, events, strict=True)))
        return envelopes
    raise AssertionError("unreachable")
