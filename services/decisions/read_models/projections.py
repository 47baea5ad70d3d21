"""Read models in the decisions database: cases, tasks, assistants, assignments.

``project`` runs in the transaction that appends the event (handlers.py), so a read model
never shows an event that did not commit, nor misses one that did (architecture.md §5).
``rebuild`` drops them and replays the event store, giving the same rows: it applies
``project`` through ``project_many`` (shared/store/batches.py, issue #14), so ``project``
only executes statements, each on rows named by the event's own ids.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pydantic import BaseModel

from services.decisions.registry import ByEventType
from shared.contracts.decisions import (
    ActNotified,
    ApplicationLeftWithoutProgress,
    ApplicationRefused,
    AssistantAssigned,
    AssistantPaymentDetailsChanged,
    AssistantRegistered,
    AssistantUnassigned,
    CaseClosed,
    CaseEnded,
    CaseOpened,
    DeadlineExtended,
    DecisionOverdue,
    DefectFixed,
    GrantAmended,
    HoursGranted,
    ObjectionDecided,
    ObjectionFiled,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
    TaskClosed,
    TaskOpened,
)
from shared.events.envelope import Envelope
from shared.store.batches import project_in_batches, replay
from shared.store.eventstore import EventStore
from shared.store.types import Connection

TABLES = ("cases", "tasks", "assistants", "assignments")


_PROJECTORS: ByEventType[Callable[[Connection, Envelope, Any], Awaitable[None]]] = ByEventType(
    "a projection"
)


# ``@projects(EventType)`` over ``async def name(conn, envelope, event: EventType) -> None``.
projects = _PROJECTORS.register


def projected_event_types() -> frozenset[type[BaseModel]]:
    """The event types the read models show (a test checks the list against the contracts)."""
    return _PROJECTORS.event_types


async def project(conn: Connection, envelope: Envelope, event: BaseModel) -> None:
    """Apply one event to the read models (events they do not show are ignored)."""
    projector = _PROJECTORS.get(type(event))
    if projector is not None:
        await projector(conn, envelope, event)


@projects(CaseOpened)
async def case_opened(conn: Connection, envelope: Envelope, event: CaseOpened) -> None:
    client = event.client
    await conn.execute(
        "insert into cases (case_id, municipality, status, client_personal_code,"
        " client_name, received_on, decision_deadline)"
        " values ($1, $2, 'open', $3, $4, $5, $6)",
        event.case_id,
        event.municipality,
        client.personal_code,
        f"{client.first_name} {client.last_name}",
        event.received_on,
        event.decision_deadline,
    )


@projects(HoursGranted)
async def hours_granted(conn: Connection, _envelope: Envelope, event: HoursGranted) -> None:
    await conn.execute(
        "update cases set status = 'granted', decided_on = $2, decided_late = $3,"
        " rule_set = $4, unit = $5, hours = $6, period_start = $7, period_end = $8,"
        " decisions = decisions + 1 where case_id = $1",
        event.case_id,
        event.decided_on,
        event.decided_late,
        event.rule_set.value,
        event.unit.value,
        event.hours,
        event.period_start,
        event.period_end,
    )


@projects(ApplicationRefused)
async def application_refused(
    conn: Connection, _envelope: Envelope, event: ApplicationRefused
) -> None:
    await conn.execute(
        "update cases set status = 'refused', decided_on = $2, decided_late = $3,"
        " rule_set = $4, decisions = decisions + 1 where case_id = $1",
        event.case_id,
        event.decided_on,
        event.decided_late,
        event.rule_set.value,
    )


@projects(GrantAmended)
async def grant_amended(conn: Connection, _envelope: Envelope, event: GrantAmended) -> None:
    await conn.execute(
        "update cases set rule_set = $2, unit = $3, hours = $4, period_end = $5,"
        " decisions = decisions + 1 where case_id = $1",
        event.case_id,
        event.rule_set.value,
        event.unit.value,
        event.hours,
        event.period_end,
    )


@projects(ServiceSuspended)
async def service_suspended(conn: Connection, _envelope: Envelope, event: ServiceSuspended) -> None:
    await conn.execute(
        "update cases set status = 'suspended', suspended_from = $2,"
        " decisions = decisions + 1 where case_id = $1",
        event.case_id,
        event.suspended_from,
    )


@projects(ServiceResumed)
async def service_resumed(conn: Connection, _envelope: Envelope, event: ServiceResumed) -> None:
    await conn.execute(
        "update cases set status = 'granted', suspended_from = null,"
        " decisions = decisions + 1 where case_id = $1",
        event.case_id,
    )


@projects(ServiceTerminated)
async def service_terminated(
    conn: Connection, _envelope: Envelope, event: ServiceTerminated
) -> None:
    await conn.execute(
        "update cases set status = 'terminated', suspended_from = null,"
        " terminated_from = $2, termination_reason = $3, decisions = decisions + 1"
        " where case_id = $1",
        event.case_id,
        event.terminated_from,
        event.reason.value,
    )


@projects(CaseClosed)
async def case_closed(conn: Connection, _envelope: Envelope, event: CaseClosed) -> None:
    await conn.execute(
        "update cases set status = $3, closed_on = $2 where case_id = $1",
        event.case_id,
        event.closed_on,
        event.reason.value,  # withdrawn or forwarded
    )


@projects(DeadlineExtended)
async def deadline_extended(conn: Connection, _envelope: Envelope, event: DeadlineExtended) -> None:
    # legal.md §6: lists and the overdue check use the deadline in force.
    await conn.execute(
        "update cases set decision_deadline = $2, decisions = decisions + 1 where case_id = $1",
        event.case_id,
        event.new_deadline,
    )


@projects(DecisionOverdue)
async def decision_overdue(conn: Connection, _envelope: Envelope, event: DecisionOverdue) -> None:
    await conn.execute(
        "update cases set overdue = true, overdue_detected_on = $2 where case_id = $1",
        event.case_id,
        event.detected_on,
    )


@projects(TaskOpened)
async def task_opened(conn: Connection, envelope: Envelope, event: TaskOpened) -> None:
    await conn.execute(
        "insert into tasks (case_id, task_id, municipality, kind, description,"
        " effective_from, effective_until, source_report_id, status)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, 'open')",
        event.case_id,
        event.task_id,
        envelope.municipality,
        event.kind,
        event.description,
        event.effective_from,
        event.effective_until,
        event.source_report_id,
    )
    await conn.execute(
        "update cases set open_tasks = open_tasks + 1 where case_id = $1", event.case_id
    )


@projects(TaskClosed)
async def task_closed(conn: Connection, _envelope: Envelope, event: TaskClosed) -> None:
    await conn.execute(
        "update tasks set status = 'closed', closed_on = $3, resolution = $4"
        " where case_id = $1 and task_id = $2",
        event.case_id,
        event.task_id,
        event.closed_on,
        event.resolution,
    )
    await conn.execute(
        "update cases set open_tasks = open_tasks - 1 where case_id = $1", event.case_id
    )


@projects(AssistantRegistered)
async def assistant_registered(
    conn: Connection, envelope: Envelope, event: AssistantRegistered
) -> None:
    await conn.execute(
        "insert into assistants (assistant_id, municipality, personal_code, first_name,"
        " last_name, iban, tax_status, experience, registered_on, tax_book_held)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        event.assistant_id,
        event.municipality,
        event.personal_code,
        event.first_name,
        event.last_name,
        event.iban,
        event.tax_status.value,
        event.experience,
        event.registered_on,
        event.tax_book_held,
    )


@projects(AssistantPaymentDetailsChanged)
async def assistant_payment_details_changed(
    conn: Connection, _envelope: Envelope, event: AssistantPaymentDetailsChanged
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


@projects(AssistantAssigned)
async def assistant_assigned(
    conn: Connection, envelope: Envelope, event: AssistantAssigned
) -> None:
    await conn.execute(
        "insert into assignments (assignment_id, assistant_id, case_id, municipality,"
        " assigned_from, weekly_hours) values ($1, $2, $3, $4, $5, $6)",
        event.assignment_id,
        event.assistant_id,
        event.case_id,
        envelope.municipality,
        event.assigned_from,
        event.weekly_hours,
    )


@projects(AssistantUnassigned)
async def assistant_unassigned(
    conn: Connection, _envelope: Envelope, event: AssistantUnassigned
) -> None:
    await conn.execute(
        "update assignments set last_day = $2, end_reason = $3 where assignment_id = $1",
        event.assignment_id,
        event.last_day,
        event.reason,
    )


@projects(ApplicationLeftWithoutProgress)
async def application_left_without_progress(
    conn: Connection, _envelope: Envelope, event: ApplicationLeftWithoutProgress
) -> None:
    await conn.execute(
        "update cases set left_without_progress = true where case_id = $1", event.case_id
    )


@projects(DefectFixed)
async def defect_fixed(conn: Connection, _envelope: Envelope, event: DefectFixed) -> None:
    # legal.md §6: the month runs from the day the defect was fixed.
    await conn.execute(
        "update cases set decision_deadline = $2, left_without_progress = false where case_id = $1",
        event.case_id,
        event.decision_deadline,
    )


@projects(CaseEnded)
async def case_ended(conn: Connection, _envelope: Envelope, event: CaseEnded) -> None:
    await conn.execute(
        "update cases set status = 'ended', closed_on = $2, suspended_from = null,"
        " terminated_from = case when period_start is null then null"
        " else $3::date + 1 end where case_id = $1",
        event.case_id,
        event.ended_on,
        event.last_service_day,
    )


@projects(ActNotified)
async def act_notified(conn: Connection, _envelope: Envelope, event: ActNotified) -> None:
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


@projects(ObjectionFiled)
async def objection_filed(conn: Connection, _envelope: Envelope, event: ObjectionFiled) -> None:
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


@projects(ObjectionDecided)
async def objection_decided(conn: Connection, _envelope: Envelope, event: ObjectionDecided) -> None:
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


async def project_many(conn: Connection, events: Sequence[tuple[Envelope, BaseModel]]) -> None:
    """``project`` for many events in order, with a few ``executemany`` (or COPY) instead of
    a statement per event (shared/store/batches.py): every statement of ``project`` touches
    only rows named by the event's own ids (case, task, assistant, assignment)."""
    await project_in_batches(conn, project, events)


async def rebuild(
    conn: Connection,
    store: EventStore,
    batch: int = 2000,
    *,
    reader: Connection | None = None,
) -> int:
    """Empty the read models and replay every event in commit order; returns the count.

    One transaction: readers see the old rows until the new ones commit. ``truncate``
    takes an exclusive lock, so no command writes half into the old and half into the new.
    ``reader``: a second connection that reads ahead (shared/store/batches.py ``replay``).
    """
    async with conn.transaction():
        await conn.execute(f"truncate {', '.join(TABLES)}")
        return await replay(conn, store, project, batch, reader=reader)
