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
from collections.abc import Sequence
from functools import partial
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

    async def apply_many(
        self, conn: Connection, events: Sequence[tuple[Envelope, BaseModel]]
    ) -> None:
        """``apply`` for a run of events (the consumer's batch handler, issue #14): the
        same rows, with two statements for the whole run instead of two per fact.

        Every entity of the run is created if new and locked in one statement (in a fixed
        order, so two consumers lock shared entities in the same order), the run's facts
        are merged in stream order in memory (a fact already known changes nothing, as in
        ``_learn``), and the changed entities' facts and rows are written in one more.
        """
        learned: list[tuple[str, str, str, Fact, str]] = []  # entity, municipality, …
        for envelope, data in events:
            if isinstance(data, MonthlyReportSubmitted):
                await self.apply(conn, envelope, data)  # its own table, no entity
                continue
            key = await self.key(conn)
            known_on = envelope.time.astimezone(RIGA).date().isoformat()
            for fact in facts_of(data, partial(pseudonym, key)):
                entity = f"{fact.kind}:{pseudonym(key, f'{fact.kind}:{fact.entity_id}')}"
                learned.append((entity, fact.kind, envelope.municipality, fact, known_on))
        if not learned:
            return
        first = {
            entity: (kind, municipality) for entity, kind, municipality, _, _ in reversed(learned)
        }
        names = sorted(first)
        rows = await conn.fetch(
            "insert into entities (entity, kind, municipality)"
            " select * from unnest($1::text[], $2::text[], $3::text[])"
            " on conflict (entity) do update set kind = excluded.kind returning entity, facts",
            names,
            [first[n][0] for n in names],
            [first[n][1] for n in names],
        )
        known: dict[str, dict[str, dict[str, Any]]] = {
            r["entity"]: json.loads(r["facts"]) for r in rows
        }
        changed: dict[str, tuple[str, str]] = {}  # entity -> (kind, municipality)
        for entity, kind, municipality, fact, known_on in learned:
            facts = known[entity]
            if fact.key not in facts:
                facts[fact.key] = {**fact.body, "known_on": known_on}
                changed[entity] = (kind, municipality)
        if not changed:
            return
        entities = sorted(changed)
        figures = [
            (entity, changed[entity][1], row)
            for entity in entities
            for row in history(changed[entity][0], known[entity])
        ]
        # The delete sees only the rows from before this statement, not the ones it inserts.
        await conn.execute(
            "with stored as (update entities e set facts = u.facts::jsonb"
            " from unnest($1::text[], $2::text[]) as u(entity, facts) where e.entity = u.entity),"
            " cleared as (delete from figure_rows where entity = any($1::text[]))"
            " insert into figure_rows"
            " (entity, municipality, month, metric, key, known_on, value)"
            " select * from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[],"
            " $8::date[], $9::numeric[])",
            entities,
            [json.dumps(known[entity], sort_keys=True) for entity in entities],
            [entity for entity, _, _ in figures],
            [municipality for _, municipality, _ in figures],
            [r.month for _, _, r in figures],
            [r.metric for _, _, r in figures],
            [r.key for _, _, r in figures],
            [r.known_on for _, _, r in figures],
            [r.value for _, _, r in figures],
        )

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
