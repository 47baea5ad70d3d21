"""A replay's read (``EventStore.read_all_decoded``, issue #14) gives what ``read_all`` then
``decode`` give, on every path: the one-parse path of the newest version, an older version
through its upcaster, an envelope of before issue 18 (``sequence``), and a sealed one."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from pydantic import BaseModel

from shared.events.envelope import Envelope, EnvelopeWithEvent
from shared.events.personal import WIRE_PREFIX
from shared.events.registry import EventRegistry
from shared.privacy.protect import Protector
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection

registry = EventRegistry()


@registry.register("probe", version=2)
class Measured(BaseModel):
    """A test event whose v1 had ``value`` in centimetres."""

    case_id: str
    metres: float


@registry.upcaster("probe", "Measured", from_version=1)
def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {"case_id": data["case_id"], "metres": data["value"] / 100}


SEALED = f"{WIRE_PREFIX}{'0' * 32}:c2VhbGVk"


class OpensOneField(Protector):
    """Opens the one sealed value the test stores (no keyring: not what is tested here)."""

    def __init__(self) -> None:
        pass

    async def seal(self, envelope: Envelope) -> Envelope:
        return envelope  # Measured has no personal field

    async def open(self, envelope: Envelope) -> Envelope:
        data = {k: ("case-opened" if v == SEALED else v) for k, v in envelope.data.items()}
        return envelope.model_copy(update={"data": data})


async def _insert(conn: Connection, version: int, body: dict[str, Any]) -> None:
    await conn.execute(
        "insert into events (stream_id, version, event_id, event_type, municipality, envelope)"
        " values ($1, $2, $3::uuid, $4, 'ludza', $5::jsonb)",
        body["subject"],
        version,
        body["id"],
        body["type"],
        json.dumps(body),
    )


async def test_a_replay_read_decodes_every_stored_shape_as_read_all_and_decode_do(
    event_db: asyncpg.Pool,
) -> None:
    store = EventStore("probe", registry, protector=OpensOneField())
    context = EventContext("ludza", correlation_id="c-1")
    async with event_db.acquire() as conn:
        [current] = await store.append(
            conn, "case-1", 0, [Measured(case_id="case-1", metres=2.5)], context
        )
        base = current.model_dump(mode="json", exclude_none=True)
        older = {**base, "id": "0190a000-0000-7000-8000-000000000001", "subject": "case-2"}
        older |= {"type": "lv.asist.probe.Measured.v1", "data": {"case_id": "c", "value": 150}}
        await _insert(conn, 1, older)
        legacy = {**base, "id": "0190a000-0000-7000-8000-000000000002", "subject": "case-3"}
        legacy["sequence"] = legacy.pop("aggregateversion")
        await _insert(conn, 1, legacy)
        sealed = {**base, "id": "0190a000-0000-7000-8000-000000000003", "subject": "case-4"}
        sealed["data"] = {"case_id": SEALED, "metres": 1.0}
        await _insert(conn, 1, sealed)

        expected = [
            (r.position, r.envelope, store.decode(r.envelope))
            for r in await store.read_all(conn, limit=10)
        ]
        decoded = await store.read_all_decoded(conn, limit=10)

    assert len(decoded) == len(expected) == 4
    for got, (position, envelope, event) in zip(decoded, expected, strict=True):
        assert got.position == position
        assert got.envelope.model_dump() == envelope.model_dump()
        assert got.envelope.to_json() == envelope.to_json()
        assert got.event == event
    # One parse for the newest version; the general path for the rest.
    assert [type(d.envelope) is not Envelope for d in decoded] == [True, False, False, False]
    assert isinstance(decoded[0].envelope, EnvelopeWithEvent)
    assert decoded[1].event == Measured(case_id="c", metres=1.5)
    assert decoded[2].envelope.aggregateversion == 1
    assert decoded[3].event == Measured(case_id="case-opened", metres=1.0)
