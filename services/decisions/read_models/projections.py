"""Read models in the decisions database: cases, tasks, assistants, assignments.

``project`` runs in the transaction that appends the event (``handlers/``, as the shared
pipeline's ``project`` step), so a read model never shows an event that did not commit,
nor misses one that did (architecture.md §5).
``rebuild`` empties them and replays the event store, giving the same rows: it applies
``project`` in batches (shared/store/batches.py, issue #14), so ``project`` only executes
statements, each on rows named by the event's own ids.

Most events insert a row or set columns of the row their ids name: their statements are
the table ``_ROWS`` (columns and where each value comes from, shared/row_statements.py); the
few whose statement depends on the event's content are functions (``@projects``).
"""

from __future__ import annotations

from pydantic import BaseModel

from shared.aggregate import ByType
from shared.contracts import decisions as events
from shared.events.envelope import Envelope
from shared.row_statements import (
    Projector,
    RowStatement,
    Source,
    applies,
    constant,
    envelope_municipality,
    insert,
    projection_by_type,
    same,
    update,
)
from shared.store.batches import rebuilding
from shared.store.types import Connection

TABLES = ("cases", "tasks", "assistants", "assignments")


_PROJECTORS: ByType[Projector] = ByType("a projection")


# ``@projects(EventType)`` over ``async def name(conn, envelope, event: EventType) -> None``.
projects = _PROJECTORS.register


def projected_event_types() -> frozenset[type[BaseModel]]:
    """The event types the read models show (a test checks the list against the contracts)."""
    return _PROJECTORS.types


# Apply one event to the read models (events they do not show are ignored).
project = projection_by_type(_PROJECTORS)


def _case(*fixed: str, **columns: Source) -> RowStatement:
    """The event's changes to its case's row."""
    return update("cases", ["case_id"], *fixed, **columns)


def _client_name(_envelope: Envelope, event: events.CaseOpened) -> str:
    return f"{event.client.first_name} {event.client.last_name}"


DECIDED = "decisions = decisions + 1"  # an act of the case (counted in the lists)
_DECISION = same("decided_on", "decided_late", "rule_set")
_TERMS = same("unit", "hours")

_ROWS: dict[type[BaseModel], tuple[RowStatement, ...]] = {
    events.CaseOpened: (
        insert(
            "cases",
            **same("case_id", "municipality"),
            status=constant("open"),
            client_personal_code="client.personal_code",
            client_name=_client_name,
            **same("received_on", "decision_deadline"),
        ),
    ),
    events.HoursGranted: (
        _case(
            "status = 'granted'",
            DECIDED,
            **_DECISION,
            **_TERMS,
            **same("period_start", "period_end"),
        ),
    ),
    events.ApplicationRefused: (_case("status = 'refused'", DECIDED, **_DECISION),),
    events.GrantAmended: (_case(DECIDED, **same("rule_set", "unit", "hours", "period_end")),),
    events.ServiceSuspended: (_case("status = 'suspended'", DECIDED, **same("suspended_from")),),
    events.ServiceResumed: (_case("status = 'granted', suspended_from = null", DECIDED),),
    events.ServiceTerminated: (
        _case(
            "status = 'terminated', suspended_from = null",
            DECIDED,
            terminated_from="terminated_from",
            termination_reason="reason",
        ),
    ),
    events.CaseClosed: (_case(status="reason", closed_on="closed_on"),),  # withdrawn, forwarded
    # legal.md §6: lists and the overdue check use the deadline in force.
    events.DeadlineExtended: (_case(DECIDED, decision_deadline="new_deadline"),),
    events.DecisionOverdue: (_case("overdue = true", overdue_detected_on="detected_on"),),
    events.ApplicationLeftWithoutProgress: (_case("left_without_progress = true"),),
    # legal.md §6: the month runs from the day the defect was fixed.
    events.DefectFixed: (_case("left_without_progress = false", **same("decision_deadline")),),
    events.TaskOpened: (
        insert(
            "tasks",
            **same("case_id", "task_id"),
            municipality=envelope_municipality,
            **same("kind", "description", "effective_from", "effective_until", "source_report_id"),
            status=constant("open"),
        ),
        _case("open_tasks = open_tasks + 1"),
    ),
    events.TaskClosed: (
        update(
            "tasks", ["case_id", "task_id"], "status = 'closed'", **same("closed_on", "resolution")
        ),
        _case("open_tasks = open_tasks - 1"),
    ),
    events.AssistantRegistered: (
        insert(
            "assistants",
            **same("assistant_id", "municipality", "personal_code", "first_name", "last_name"),
            **same("iban", "tax_status", "experience", "registered_on", "tax_book_held"),
        ),
    ),
    events.AssistantAssigned: (
        insert(
            "assignments",
            **same("assignment_id", "assistant_id", "case_id"),
            municipality=envelope_municipality,
            **same("assigned_from", "weekly_hours"),
        ),
    ),
    events.AssistantUnassigned: (
        update("assignments", ["assignment_id"], last_day="last_day", end_reason="reason"),
    ),
}
for _event_type, _statements in _ROWS.items():
    _PROJECTORS.add(_event_type, applies(_statements))


@projects(events.AssistantPaymentDetailsChanged)
async def assistant_payment_details_changed(
    conn: Connection, _envelope: Envelope, event: events.AssistantPaymentDetailsChanged
) -> None:
    await conn.execute(
        "update assistants set iban = coalesce($2, iban),"
        " tax_status = coalesce($3, tax_status),"
        " tax_book_held = coalesce($4, tax_book_held) where assistant_id = $1",
        event.assistant_id,
        event.iban,
        event.tax_status.value if event.tax_status is not None else None,
        event.tax_book_held,
    )


@projects(events.CaseEnded)
async def case_ended(conn: Connection, _envelope: Envelope, event: events.CaseEnded) -> None:
    await conn.execute(
        "update cases set status = 'ended', closed_on = $2, suspended_from = null,"
        " terminated_from = case when period_start is null then null"
        " else $3::date + 1 end where case_id = $1",
        event.case_id,
        event.ended_on,
        event.last_service_day,
    )


@projects(events.ActNotified)
async def act_notified(conn: Connection, _envelope: Envelope, event: events.ActNotified) -> None:
    day = event.first_day_in_effect
    if day is None:
        return
    # An unfavourable change in effect later than its first day (item 5).
    await conn.execute(
        "update cases set terminated_from = case when status = 'terminated' then $2"
        " else terminated_from end, suspended_from = case when status = 'suspended'"
        " then $2 else suspended_from end where case_id = $1",
        event.case_id,
        day,
    )


@projects(events.ObjectionFiled)
async def objection_filed(
    conn: Connection, _envelope: Envelope, event: events.ObjectionFiled
) -> None:
    if not event.holds_back:
        return
    # legal.md §5 item 3: back to the terms before the act while it is pending.
    restored = event.restored
    await conn.execute(
        "update cases set status = case when $2 in ('ServiceTerminated',"
        " 'ServiceSuspended') then 'granted' else status end,"
        " terminated_from = case when $2 = 'ServiceTerminated' then null"
        " else terminated_from end,"
        " suspended_from = case when $2 = 'ServiceSuspended' then null"
        " else suspended_from end,"
        " unit = coalesce($3, unit), hours = coalesce($4, hours),"
        " period_end = coalesce($5, period_end) where case_id = $1",
        event.case_id,
        event.act,
        restored.unit.value if restored else None,
        restored.hours if restored else None,
        restored.period_end if restored else None,
    )


@projects(events.ObjectionDecided)
async def objection_decided(
    conn: Connection, _envelope: Envelope, event: events.ObjectionDecided
) -> None:
    day = event.effect_from
    if event.holds_back and day is not None:
        terms = event.terms
        await conn.execute(
            "update cases set status = case $2 when 'ServiceTerminated' then 'terminated'"
            " when 'ServiceSuspended' then 'suspended' else status end,"
            " terminated_from = case when $2 = 'ServiceTerminated' then $3"
            " else terminated_from end,"
            " suspended_from = case when $2 = 'ServiceSuspended' then $3"
            " else suspended_from end,"
            " unit = coalesce($4, unit), hours = coalesce($5, hours),"
            " period_end = coalesce($6, period_end) where case_id = $1",
            event.case_id,
            event.act,
            day,
            terms.unit.value if terms else None,
            terms.hours if terms else None,
            terms.period_end if terms else None,
        )
    elif event.act == "ApplicationRefused" and event.outcome == "revoked":
        await conn.execute("update cases set status = 'open' where case_id = $1", event.case_id)


# Empties the read models and replays every event in commit order, in one transaction:
# readers see the old rows until the new ones commit (shared/store/batches.py).
rebuild = rebuilding(TABLES, project)
