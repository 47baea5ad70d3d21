"""What a case's events change on the assistants' streams (issue #13, #17).

A termination ends the client's assignments (``end_open`` below). After the
signature more of it follows, in the same transaction:

- an objection that holds a termination back (legal.md §5 item 3) gives the assistants who
  served the client a new assignment, so the client is served as before the act;
- the body upholding (or changing) it ends them again from the day it takes effect;
- a termination that takes effect later than its first day (a letter notified after it,
  issue #17 item 5) moves the end to the day before it takes effect;
- a grant that reaches its end date, or the death of the person, ends them that day.

Restored assignments are new ``AssistantAssigned`` events with new ids and the weekly hours
of the ended ones: the hours were the assistant's before the act, so no 40-hour check runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from services.decisions.assistant import domain as assistant_domain
from services.decisions.assistant.domain import UnassignAssistant
from services.decisions.case.state import CaseState
from services.decisions.domain import assistant_stream
from services.decisions.handlers.streams import append, load_assistant
from shared.aggregate import ByType
from shared.contracts.decisions import (
    ActNotified,
    AssistantAssigned,
    CaseEnded,
    ObjectionDecided,
    ObjectionFiled,
    ServiceTerminated,
)
from shared.events.envelope import new_event_id
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection


def termination_reason(terminated: ServiceTerminated) -> str:
    """The reason written on the assignments a termination ends (found again by it)."""
    number = terminated.register_number or str(terminated.decision_number)
    return f"service terminated by decision No. {number} ({terminated.reason})"


@dataclass(frozen=True)
class Transaction:
    """The caller's transaction: where a follow-up reads the assignments and appends to the
    assistants' streams, with the context of the case's command."""

    conn: Connection
    store: EventStore
    context: EventContext


# One function per event that moves assignments, registered with ``@follows_up(EventType)``
# over ``async def name(tx, state, event: EventType) -> None`` (the shape of a case's
# ``@evolves``, shared/aggregate.py ``ByType``); a test checks which events have one.
# Every other event of a case changes no assignment.
FollowUp = Callable[[Transaction, CaseState, Any], Awaitable[None]]
_FOLLOW_UPS: ByType[FollowUp] = ByType("a follow-up")
follows_up = _FOLLOW_UPS.register


async def follow_up(
    conn: Connection,
    store: EventStore,
    state: CaseState,
    event: BaseModel,
    context: EventContext,
) -> None:
    """Apply to the assistants what ``event`` (already applied to ``state``) means for them."""
    function = _FOLLOW_UPS.get(type(event))
    if function is not None:
        await function(Transaction(conn, store, context), state, event)


def followed_up_event_types() -> frozenset[type[BaseModel]]:
    """The events of a case that move assignments (a test checks the list)."""
    return _FOLLOW_UPS.types


def _terminated(state: CaseState, decision_number: int) -> ServiceTerminated:
    """The act an objection or a notification names, known to be a termination."""
    act = state.decisions[decision_number - 1]
    assert isinstance(act, ServiceTerminated)
    return act


@follows_up(ServiceTerminated)
async def service_terminated(tx: Transaction, state: CaseState, event: ServiceTerminated) -> None:
    reason = termination_reason(event)
    await end_open(tx, event.case_id, last_day(event), reason)


@follows_up(ObjectionFiled)
async def objection_filed(tx: Transaction, state: CaseState, event: ObjectionFiled) -> None:
    # Only an objection that holds a termination back gives the assistants back.
    if not (event.holds_back and event.act == "ServiceTerminated"):
        return
    act = _terminated(state, event.decision_number)
    assert event.held_from is not None
    await restore(tx, act, event.held_from)


@follows_up(ObjectionDecided)
async def objection_decided(tx: Transaction, state: CaseState, event: ObjectionDecided) -> None:
    # A held-back termination the body upheld (or changed) ends them again; revoked, never.
    held_termination = event.holds_back and event.act == "ServiceTerminated"
    if not held_termination or event.effect_from is None:
        return
    act = _terminated(state, event.decision_number)
    why = f"upheld by {event.body_reference}"
    await end_again(tx, act, event.effect_from, why)


@follows_up(ActNotified)
async def act_notified(tx: Transaction, state: CaseState, event: ActNotified) -> None:
    # Only a termination that takes effect later than its first day moves the end.
    if event.first_day_in_effect is None:
        return
    act = state.decisions[event.decision_number - 1]
    if isinstance(act, ServiceTerminated):
        # The act as decided said an earlier day; it ended the assignments then.
        await restore(tx, act, act.terminated_from)
        why = f"in effect from {event.effective_on}"
        await end_again(tx, act, event.first_day_in_effect, why)


@follows_up(CaseEnded)
async def case_ended(tx: Transaction, state: CaseState, event: CaseEnded) -> None:
    reason = f"case ended: {event.reason.value}"
    await end_open(tx, event.case_id, event.last_service_day, reason)


def last_day(terminated: ServiceTerminated) -> date:
    return terminated.terminated_from - timedelta(days=1)


async def end_again(
    tx: Transaction, terminated: ServiceTerminated, first_day: date, why: str
) -> None:
    """End the client's open assignments as ``terminated`` does, but from ``first_day``
    (the day it takes effect after an objection or a late notification), saying ``why``."""
    moved = terminated.model_copy(update={"terminated_from": first_day})
    reason = f"{termination_reason(terminated)}, {why}"
    await end_open(tx, terminated.case_id, last_day(moved), reason)


async def end_open(tx: Transaction, case_id: str, last: date, reason: str) -> None:
    """End every open assignment of the client on ``last`` (never before it began)."""
    rows = await tx.conn.fetch(
        "select assignment_id, assistant_id from assignments"
        " where case_id = $1 and last_day is null order by assignment_id",
        case_id,
    )
    for row in rows:
        state, version = await load_assistant(tx.conn, tx.store, row["assistant_id"])
        current = state.assignment(row["assignment_id"])
        assert current is not None
        command = UnassignAssistant(
            assignment_id=current.assignment_id,
            last_day=max(last, current.assigned_from - timedelta(days=1)),
            reason=reason,
        )
        events = assistant_domain.decide(command, state)
        stream = assistant_stream(row["assistant_id"])
        await append(tx.conn, tx.store, stream, version, events, tx.context)


async def restore(tx: Transaction, terminated: ServiceTerminated, from_day: date) -> None:
    """New assignments, from ``from_day``, for those the termination ended."""
    rows = await tx.conn.fetch(
        "select assignment_id, assistant_id, assigned_from, weekly_hours from assignments"
        " where case_id = $1 and end_reason = $2 order by assignment_id",
        terminated.case_id,
        termination_reason(terminated),
    )
    for row in rows:
        _, version = await load_assistant(tx.conn, tx.store, row["assistant_id"])
        events: list[BaseModel] = [
            AssistantAssigned(
                assistant_id=row["assistant_id"],
                assignment_id=new_event_id(),
                case_id=terminated.case_id,
                assigned_from=max(from_day, row["assigned_from"]),
                weekly_hours=row["weekly_hours"],
            )
        ]
        stream = assistant_stream(row["assistant_id"])
        await append(tx.conn, tx.store, stream, version, events, tx.context)
