"""legal.md §3: a decision's register number and signing official, given before it is stored
(the document is written from the event, so both stay as issued)."""

from __future__ import annotations

from pydantic import BaseModel

from services.decisions.case.state import DECISION_TYPES
from services.decisions.settings import DecisionsSettings
from shared.contracts.decisions import Official
from shared.municipalities import ACTS_DATA
from shared.store.types import Connection


async def next_register_number(conn: Connection, municipality: str, year: int) -> str:
    """legal.md §3 item 2: the next number of the municipality's register for ``year``.

    The counter row stays locked until the caller's transaction ends: concurrent decisions
    wait and get consecutive numbers; a decision that rolls back returns its number.
    """
    number = await conn.fetchval(
        "insert into register_counters (municipality, year, last_number) values ($1, $2, 1)"
        " on conflict (municipality, year)"
        " do update set last_number = register_counters.last_number + 1"
        " returning last_number",
        municipality,
        year,
    )
    acts = ACTS_DATA.get(municipality)
    prefix = acts.register_prefix if acts else municipality.upper()
    return f"{prefix}/{year}/{number}"


def official_for(municipality: str, actor: str | None) -> Official | None:
    """legal.md §3 item 13: the official the deciding principal stands for."""
    token_id = (actor or "").rsplit(":", 1)[-1]
    named = DecisionsSettings().officials.get(token_id)
    if named is not None:
        return named
    acts = ACTS_DATA.get(municipality)
    return (
        None if acts is None else Official(name=acts.official_name, position=acts.official_position)
    )


async def stamp(
    conn: Connection, municipality: str, events: list[BaseModel], actor: str | None
) -> list[BaseModel]:
    """Give each decision its register number and signing official before it is stored:
    the document is written from the event, so both stay as issued (legal.md §3)."""
    stamped = []
    for event in events:
        if isinstance(event, DECISION_TYPES) and event.register_number is None:
            number = await next_register_number(conn, municipality, event.decided_on.year)
            official = official_for(municipality, actor)
            event = event.model_copy(update={"register_number": number, "official": official})
        stamped.append(event)
    return stamped
