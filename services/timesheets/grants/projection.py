"""Decisions' events into timesheets' knowledge of grants and assignments.

Every municipality's events arrive (``asist.*.decisions.>``), so an assistant of two
municipalities is one person here (by personal code, rules.md §10, architecture.md §9).
Each fact is keyed by the decision (case, decision number) or the assistant or assignment
id and written with ``on conflict do nothing`` or an idempotent update: the consumer already
skips a redelivered event id, and the same fact delivered under another id changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from shared.contracts.decisions import (
    AssistantAssigned,
    AssistantRegistered,
    AssistantUnassigned,
    GrantAmended,
    HoursGranted,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
)
from shared.events.envelope import Envelope
from shared.privacy.scrub import erased_mark, is_erased_mark
from shared.rules import AgeGroup, Unit
from shared.store.types import Connection

HANDLED: tuple[type[BaseModel], ...] = (
    HoursGranted,
    GrantAmended,
    ServiceSuspended,
    ServiceResumed,
    ServiceTerminated,
    AssistantRegistered,
    AssistantAssigned,
    AssistantUnassigned,
)


async def learn(conn: Connection, envelope: Envelope, event: BaseModel) -> None:
    """Apply one decisions event to what timesheets knows."""
    match event:
        case HoursGranted():
            await _granted(conn, envelope.municipality, event)
        case GrantAmended():
            await _amended(conn, event)
        case ServiceSuspended():
            await conn.execute(
                "insert into grant_suspensions (case_id, decision_number, suspended_from)"
                " values ($1, $2, $3) on conflict do nothing",
                event.case_id,
                event.decision_number,
                event.suspended_from,
            )
        case ServiceResumed():
            # The open suspension that began before the resumption ends the day before it.
            await conn.execute(
                "update grant_suspensions set resumed_on = $2 where case_id = $1"
                " and resumed_on is null and suspended_from < $2",
                event.case_id,
                event.resumed_on,
            )
        case ServiceTerminated():
            await conn.execute(
                "update grant_cases set terminated_from = $2 where case_id = $1",
                event.case_id,
                event.terminated_from,
            )
        case AssistantRegistered():
            await conn.execute(
                "insert into known_assistants (assistant_id, municipality, personal_code)"
                " values ($1, $2, $3) on conflict do nothing",
                event.assistant_id,
                event.municipality,
                _code(event.personal_code, event.assistant_id),
            )
        case AssistantAssigned():
            await conn.execute(
                "insert into known_assignments (assignment_id, assistant_id, case_id,"
                " municipality, assigned_from) values ($1, $2, $3, $4, $5)"
                " on conflict do nothing",
                event.assignment_id,
                event.assistant_id,
                event.case_id,
                envelope.municipality,
                event.assigned_from,
            )
        case AssistantUnassigned():
            await conn.execute(
                "update known_assignments set last_day = $2 where assignment_id = $1",
                event.assignment_id,
                event.last_day,
            )


def _code(personal_code: str, row_id: str) -> str:
    """The code that matches one person across rows; an erased person's (issue #9: a replay
    after an erasure reads "erased") is unique per row, so erased people never match."""
    return erased_mark(row_id) if is_erased_mark(personal_code) else personal_code


async def _granted(conn: Connection, municipality: str, event: HoursGranted) -> None:
    await conn.execute(
        "insert into grant_cases (case_id, municipality, client_code, any_activity)"
        " values ($1, $2, $3, $4) on conflict do nothing",
        event.case_id,
        municipality,
        _code(event.personal_code, event.case_id),
        # rules.md §4.3: for a child the family decides when and for what the hours are used.
        # An LV-2021 adult's monthly hours come from the highest purpose, not a sum of
        # activities (rules.md §4.2a), so they are not split by activity either.
        event.age_group is not AgeGroup.ADULT or event.unit is Unit.MONTH,
    )
    await _term(conn, event.case_id, event.decision_number, event, event.period_start)


async def _amended(conn: Connection, event: GrantAmended) -> None:
    # The earlier terms end the day before the amendment takes effect (rules.md §5.5).
    await conn.execute(
        "update grant_terms set period_end = least(period_end, $3::date)"
        " where case_id = $1 and decision_number < $2",
        event.case_id,
        event.decision_number,
        event.effective_from - timedelta(days=1),
    )
    await _term(conn, event.case_id, event.decision_number, event, event.effective_from)


async def _term(
    conn: Connection,
    case_id: str,
    decision_number: int,
    event: HoursGranted | GrantAmended,
    first_day: object,
) -> None:
    await conn.execute(
        "insert into grant_terms (case_id, decision_number, unit, hours, activities,"
        " period_start, period_end) values ($1, $2, $3, $4, $5, $6, $7)"
        " on conflict do nothing",
        case_id,
        decision_number,
        event.unit.value,
        event.hours,
        sorted({b.kind.value for b in event.breakdown}),
        first_day,
        event.period_end,
    )
