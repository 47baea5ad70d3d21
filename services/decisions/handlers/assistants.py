"""Commands on an assistant: registration, assignments within the 40 hours a week, changes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from services.decisions.assistant import domain as assistant_domain
from services.decisions.assistant.domain import (
    AssignAssistant,
    Assignment,
    AssistantCommand,
    AssistantState,
    ClientGrant,
    RegisterAssistant,
)
from services.decisions.case.state import WITH_GRANT, CaseState
from services.decisions.domain import IllegalTransition, assistant_stream
from services.decisions.handlers.streams import append, load_assistant, load_case
from shared.rules import Unit
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def _lock(conn: Connection, name: str) -> None:
    """A transaction-scoped advisory lock: commands on the same ``name`` run one at a time."""
    await conn.execute("select pg_advisory_xact_lock($1)", _lock_key(name))


async def _load_alone(
    conn: Connection, store: EventStore, assistant_id: str, municipality: str
) -> tuple[AssistantState, int]:
    """The assistant, locked for this transaction: its commands run one at a time."""
    await _lock(conn, f"assistant:{assistant_id}")
    return await load_assistant(conn, store, assistant_id, municipality)


async def register_assistant(
    conn: Connection, store: EventStore, command: RegisterAssistant, context: EventContext
) -> list[BaseModel]:
    # One registration per person and municipality: the lock makes "look, then register"
    # atomic between concurrent requests; the unique index is the last line of defence.
    await _lock(conn, f"assistant-person:{command.municipality}:{command.personal_code}")
    existing = await conn.fetchval(
        "select assistant_id from assistants where municipality = $1 and personal_code = $2",
        command.municipality,
        command.personal_code,
    )
    if existing is not None:
        raise IllegalTransition(f"this person is already registered as assistant {existing}")
    events = assistant_domain.decide(command, AssistantState())
    await append(conn, store, assistant_stream(command.assistant_id), 0, events, context)
    return events


def client_grant(case_id: str, state: CaseState) -> ClientGrant:
    """A case as the assistant check sees it (rules.md §6.1), from the case's own events."""
    grant, last_day = state.grant, state.service_last_day
    if grant is None or last_day is None:
        return ClientGrant(case_id, False, Unit.WEEK, Decimal(0), date.min, date.min)
    in_force = state.status in WITH_GRANT and last_day >= grant.period_start
    return ClientGrant(case_id, in_force, grant.unit, grant.hours, grant.period_start, last_day)


async def assignments_of_person(
    conn: Connection, store: EventStore, personal_code: str, except_id: str
) -> tuple[Assignment, ...]:
    """The assignments of the person's other registrations (other municipalities), read from
    their own streams (the read model only finds the registrations)."""
    rows = await conn.fetch(
        "select assistant_id, municipality from assistants"
        " where personal_code = $1 and assistant_id <> $2 order by assistant_id",
        personal_code,
        except_id,
    )
    found: list[Assignment] = []
    for row in rows:
        other, _ = await load_assistant(conn, store, row["assistant_id"], row["municipality"])
        found.extend(other.assignments)
    return tuple(found)


@dataclass(frozen=True)
class Assign:
    assignment_id: str
    case_id: str
    assigned_from: date
    weekly_hours: Decimal | None


async def _assignment(
    conn: Connection,
    store: EventStore,
    state: AssistantState,
    municipality: str,
    request: Assign,
) -> tuple[AssignAssistant, AssistantState]:
    """The assignment command with the grants it is checked against, and the assistant with
    the assignments of the same person's other registrations counted as its own."""
    target, _ = await load_case(conn, store, request.case_id, municipality)
    # rules.md §6.1, architecture.md §9: the same person registered in other municipalities
    # is one assistant for the limit. One lock per person, so that concurrent assignments
    # through two registrations see each other; their assignments count as this one's.
    assert state.registered is not None
    code = state.registered.personal_code
    await _lock(conn, f"assistant-load:{code}")
    everywhere = await assignments_of_person(conn, store, code, state.registered.assistant_id)
    others = {}
    for case_id in sorted({a.case_id for a in (*state.assignments, *everywhere)}):
        other, _ = await load_case(conn, store, case_id)
        others[case_id] = client_grant(case_id, other)
    command = AssignAssistant(
        assignment_id=request.assignment_id,
        grant=client_grant(request.case_id, target),
        assigned_from=request.assigned_from,
        weekly_hours=request.weekly_hours,
        other_grants=others,
    )
    return command, replace(state, assignments=(*state.assignments, *everywhere))


async def run_assistant(
    conn: Connection,
    store: EventStore,
    assistant_id: str,
    municipality: str,
    command: AssistantCommand | Assign,
    context: EventContext,
) -> list[BaseModel]:
    """Run ``command`` on the assistant. The assistant's commands run one at a time (rules.md
    §6.1, 40 h/week across all clients): the second of two concurrent assignments reads the
    first and is refused with the reason; the append's expected version would refuse it
    anyway, with a bare 409."""
    state, version = await _load_alone(conn, store, assistant_id, municipality)
    if isinstance(command, Assign):
        command, state = await _assignment(conn, store, state, municipality, command)
    events = assistant_domain.decide(command, state)
    await append(conn, store, assistant_stream(assistant_id), version, events, context)
    return events
