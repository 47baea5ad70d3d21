"""The reporting projection: an event in, the figures' rows out, nothing personal kept.

Each event becomes facts (``facts.py``) about pseudonymous entities; the entity's facts are
merged under a row lock and its rows of figures rewritten from all its facts
(``contributions.history``). The consumer runs this in the transaction that records the
event id, so a redelivered event changes nothing; a replay of the same events gives the
same rows whatever order they come in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from pydantic import BaseModel

from services.reporting.contributions import history
from services.reporting.facts import HANDLED, Fact, facts_of
from shared.clock import RIGA
from shared.contracts.payments import MonthlyReportSubmitted
from shared.events.envelope import Envelope
from shared.store.types import Connection

# The events the reporting service reads, by producing service.
EVENTS: tuple[type[BaseModel], ...] = (*HANDLED, MonthlyReportSubmitted)


def pseudonym(key: bytes, raw: str) -> str:
    """A keyed digest (HMAC-SHA256, 128 bits): the same id gives the same name, and nobody
    without the key can tell which id it was."""
    return hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()[:32]


class Projection:
    """Applies events to the reporting tables; one per process (it caches the key)."""

    def __init__(self) -> None:
        self._key: bytes | None = None

    async def key(self, conn: Connection) -> bytes:
        if self._key is None:  # made by the migration, so never by a batch that may fail
            self._key = bytes(await conn.fetchval("select key from pseudonym_key"))
        return self._key

    async def apply(self, conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        known_on = envelope.time.astimezone(RIGA).date()
        if isinstance(data, MonthlyReportSubmitted):
            await conn.execute(
                "insert into monthly_reports"
                " (event_id, municipality, month, submitted_on, known_on, figures)"
                " values ($1::uuid, $2, $3, $4, $5, $6::jsonb) on conflict do nothing",
                envelope.id,
                envelope.municipality,
                data.month,
                data.submitted_on,
                known_on,
                data.figures.model_dump_json(),
            )
            return
        key = await self.key(conn)
        for fact in facts_of(data, lambda raw: pseudonym(key, raw)):
            await self._learn(conn, key, envelope.municipality, fact, known_on.isoformat())

    async def _learn(
        self, conn: Connection, key: bytes, municipality: str, fact: Fact, known_on: str
    ) -> None:
        entity = f"{fact.kind}:{pseudonym(key, f'{fact.kind}:{fact.entity_id}')}"
        # One round trip: create the entity if new, lock it, and read its facts.
        raw = await conn.fetchval(
            "insert into entities (entity, kind, municipality) values ($1, $2, $3)"
            " on conflict (entity) do update set kind = excluded.kind returning facts",
            entity,
            fact.kind,
            municipality,
        )
        facts: dict[str, dict[str, Any]] = json.loads(raw)
        if fact.key in facts:
            return  # the same event again (e.g. replayed after its id was forgotten)
        facts[fact.key] = {**fact.body, "known_on": known_on}
        rows = history(fact.kind, facts)
        # One more: store the facts and replace the entity's rows (the delete sees only
        # the rows from before this statement, not the ones it inserts).
        await conn.execute(
            "with stored as (update entities set facts = $2::jsonb where entity = $1),"
            " cleared as (delete from figure_rows where entity = $1)"
            " insert into figure_rows"
            " (entity, municipality, month, metric, key, known_on, value)"
            " select $1, $3, * from unnest($4::text[], $5::text[], $6::text[],"
            " $7::date[], $8::numeric[])",
            entity,
            json.dumps(facts, sort_keys=True),
            municipality,
            [r.month for r in rows],
            [r.metric for r in rows],
            [r.key for r in rows],
            [r.known_on for r in rows],
            [r.value for r in rows],
        )


async def clear(conn: Connection) -> None:
    """Empty every figure (the pseudonym key stays: figures do not depend on it)."""
    await conn.execute("truncate figure_rows, entities, monthly_reports, history_replayed")
