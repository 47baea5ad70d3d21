"""The data keys of a new application's personal fields, made before its transaction
(issue #14)."""

from __future__ import annotations

from services.intake.commands import Command, SubmitApplication
from services.intake.domain import INITIAL, decide, stream_id
from shared.errors import DomainError
from shared.store.eventstore import EventContext, EventStore


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
    except DomainError:
        return  # answered in the transaction, with the same refusal
    stream = stream_id(command.application_id)
    for version, event in enumerate(events, start=1):
        await store.protector.seal(store.envelope(stream, version, event, context))
