"""Erasure in timesheets (issue #9): what it keeps in clear of an erased person goes.

``PersonalDataErased`` arrives on the one durable consumer of decisions' events
(consumers.py). In the consumer's transaction:

- the reports' read models are rebuilt from timesheets' own events when the destroyed key
  sealed any of them (entry notes, reduction and override reasons now read "erased"), and
  stored command responses naming those reports are deleted (``forget_erased``);
- the codes copied from decisions' events (``grant_cases.client_code``,
  ``known_assistants.personal_code``) of the erasure's municipality whose person has no
  key any more become ``erased:<row id>`` (shared/privacy/scrub.py): unique, so an erased
  assistant is no longer matched with anyone across municipalities (rules.md §6.1, §10).

Hours, days, grants and assignments stay. Running it twice changes nothing more.
"""

from __future__ import annotations

from pydantic import BaseModel

from services.timesheets.report.projection import rebuild
from shared.bus.consumer import EventHandler
from shared.contracts.privacy import PersonalDataErased
from shared.events.envelope import Envelope
from shared.logging import get_logger
from shared.privacy.erasure import forget_erased
from shared.privacy.scrub import erased_codes, erased_mark, keyring_of
from shared.store.eventstore import EventStore
from shared.store.types import Connection

log = get_logger(__name__)

# (table, id column, code column): every clear personal code timesheets keeps.
CODE_COLUMNS = (
    ("known_assistants", "assistant_id", "personal_code"),
    ("grant_cases", "case_id", "client_code"),
)


async def scrub_codes(conn: Connection, store: EventStore, municipality: str) -> int:
    """Replace the codes of erased people of ``municipality``; returns how many rows."""
    keyring = keyring_of(store.protector)
    scrubbed = 0
    for table, id_column, code_column in CODE_COLUMNS:
        rows = await conn.fetch(
            f"select {id_column} as id, {code_column} as code from {table} where municipality = $1",
            municipality,
        )
        erased = await erased_codes(keyring, municipality, [r["code"] for r in rows])
        for row in rows:
            if row["code"] in erased:
                await conn.execute(
                    f"update {table} set {code_column} = $2 where {id_column} = $1",
                    row["id"],
                    erased_mark(row["id"]),
                )
                scrubbed += 1
    return scrubbed


def erasure_handler(store: EventStore) -> EventHandler:
    """The ``PersonalDataErased`` handler of timesheets' decisions consumer."""

    async def handle(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        assert isinstance(data, PersonalDataErased)
        await forget_erased(conn, store, data.key_id, rebuild)
        rows = await scrub_codes(conn, store, envelope.municipality)
        log.info("timesheets.erased", key_id=data.key_id, rows=rows)

    return handle
