"""Erasure in payments (issue #9): the assistant's code, name and IBAN go from its tables,
the payments already made stay as accounting records.

``PersonalDataErased`` arrives on payments' one durable consumer of decisions' events
(upstream.py). In the consumer's transaction, for the erasure's municipality:

- ``assistants`` rows whose person has no key any more (shared/privacy/scrub.py): the
  personal code becomes ``erased:<assistant id>``, the name and the IBAN ``erased``. Such
  an assistant is no longer paid or re-issued (no account: queries.py leaves them out, as
  an assistant whose registration has not arrived); hours, money and runs stay;
- stored command responses naming them (a run's preview lists names) are deleted.

Kept on purpose (docs/privacy.md §3): ``bank_files`` and ``transfers`` of payments already
made. A bank file is the accounting source document of a payment made (Accounting Law,
*Grāmatvedības likums*); its bytes are what the bank received and what the
``PaymentBatchExported`` event's SHA-256 proves, so it is neither rewritten nor dropped
before its retention ends. Payments' own events carry no personal data, so nothing of its
event store changes.
"""

from __future__ import annotations

from pydantic import BaseModel

from shared.bus.consumer import EventHandler
from shared.contracts.privacy import PersonalDataErased
from shared.events.envelope import Envelope
from shared.events.personal import ERASED
from shared.logging import get_logger
from shared.privacy.erasure import forget_erased
from shared.privacy.scrub import erased_codes, erased_mark, keyring_of
from shared.store.eventstore import EventStore
from shared.store.types import Connection

log = get_logger(__name__)


async def scrub_assistants(conn: Connection, store: EventStore, municipality: str) -> list[str]:
    """Erase the clear data of erased assistants of ``municipality``; returns their ids."""
    rows = await conn.fetch(
        "select assistant_id, personal_code from assistants where municipality = $1",
        municipality,
    )
    erased = await erased_codes(
        keyring_of(store.protector), municipality, [r["personal_code"] for r in rows]
    )
    ids = [r["assistant_id"] for r in rows if r["personal_code"] in erased]
    for assistant_id in ids:
        await conn.execute(
            "update assistants set personal_code = $2, name = $3, iban = $3"
            " where assistant_id = $1",
            assistant_id,
            erased_mark(assistant_id),
            ERASED,
        )
    if ids:
        await conn.execute(
            "delete from idempotency_keys where body::text like any($1::text[])",
            [f"%{i}%" for i in ids],
        )
    return ids


def erasure_handler(store: EventStore) -> EventHandler:
    """The ``PersonalDataErased`` handler of payments' decisions consumer."""

    async def handle(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        assert isinstance(data, PersonalDataErased)
        await forget_erased(conn, store, data.key_id, None)  # its events hold no person
        ids = await scrub_assistants(conn, store, envelope.municipality)
        log.info("payments.erased", key_id=data.key_id, assistants=len(ids))

    return handle
