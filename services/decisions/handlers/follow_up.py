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

from datetime import date, timedelta

from pydantic import BaseModel

from services.decisions.assistant import domain as assistant_domain
from services.decisions.assistant.domain import UnassignAssistant
from services.decisions.case.state import CaseState
from services.decisions.domain import assistant_stream
from services.decisions.handlers.streams import append, load_assistant
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


async def follow_up(
    conn: Connection,
    store: EventStore,
    state: CaseState,
    event: BaseModel,
    context: EventContext,
) -> None:
    """Apply to the assistants what ``event`` (already applied to ``state``) means for them."""
    match event:
        case ServiceTerminated():
            await end_open(
                conn,
                store,
                event.case_id,
                last_day(event),
                termination_reason(event),
                context,
            )
        case ObjectionFiled(holds_back=True, act="ServiceTerminated"):
            act = state.decisions[event.decision_number - 1]
            assert isinstance(act, ServiceTerminated) and event.held_from is not None
            await restore(conn, store, act, event.held_from, context)
        case ObjectionDecided(holds_back=True, act="ServiceTerminated") if event.effect_from:
            act = state.decisions[event.decision_number - 1]
            assert isinstance(act, ServiceTerminated)
            moved = act.model_copy(update={"terminated_from": event.effect_from})
            reason = f"{termination_reason(act)}, upheld by {event.body_reference}"
            await end_open(conn, store, act.case_id, last_day(moved), reason, context)
        case ActNotified() if event.first_day_in_effect is not None:
            act = state.decisions[event.decision_number - 1]
            if isinstance(act, ServiceTerminated):
                # The act as decided said an earlier day; it ended the assignments then.
                await restore(conn, store, act, act.terminated_from, context)
                moved = act.model_copy(update={"terminated_from": event.first_day_in_effect})
                reason = f"{termination_reason(act)}, in effect from {event.effective_on}"
                await end_open(conn, store, act.case_id, last_day(moved), reason, context)
        case CaseEnded():
            reason = f"case ended: {event.reason.value}"
            await end_open(conn, store, event.case_id, event.last_service_day, reason, context)


def last_day(terminated: ServiceTerminated) -> date:
    return terminated.terminated_from - timedelta(days=1)


async def end_open(
    conn: Connection,
    store: EventStore,
    case_id: str,
    last: date,
    reason: str,
    context: EventContext,
) -> None:
    """End every open assignment of the client on ``last`` (never before it began)."""
    rows = await conn.fetch(
        "select assignment_id, assistant_id from assignments"
        " where case_id = $1 and last_day is null order by assignment_id",
        case_id,
    )
    for row in rows:
        state, version = await load_assistant(conn, store, row["assistant_id"])
        current = state.assignment(row["assignment_id"])
        assert current is not None
        command = UnassignAssistant(
            assignment_id=current.assignment_id,
            last_day=max(last, current.assigned_from - timedelta(days=1)),
            reason=reason,
        )
        events = assistant_domain.decide(command, state)
        await append(conn, store, assistant_stream(row["assistant_id"]), version, events, context)


async def restore(
    conn: Connection,
    store: EventStore,
    terminated: ServiceTerminated,
    from_day: date,
    context: EventContext,
) -> None:
    """New assignments, from ``from_day``, for those the termination ended."""
    rows = await conn.fetch(
        "select assignment_id, assistant_id, assigned_from, weekly_hours from assignments"
        " where case_id = $1 and end_reason = $2 order by assignment_id",
        terminated.case_id,
        termination_reason(terminated),
    )
    for row in rows:
        _, version = await load_assistant(conn, store, row["assistant_id"])
        events: list[BaseModel] = [
            AssistantAssigned(
                assistant_id=row["assistant_id"],
                assignment_id=new_event_id(),
                case_id=terminated.case_id,
                assigned_from=max(from_day, row["assigned_from"]),
                weekly_hours=row["weekly_hours"],
            )
        ]
        await append(conn, store, assistant_stream(row["assistant_id"]), version, events, context)
