"""What payments knows from decisions and timesheets: one small upsert per upstream event,
registered for its type (upstream_registry.py; what is in effect after the signature in
in_effect.py), from which the consumers are built.

Each handler runs in the consumer's transaction with the event id's "processed" mark
(shared/bus/consumer.py), so a redelivered event changes nothing; on top, every write is
an upsert or a version-guarded replace, so applying an event twice gives the same rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import asyncpg
from pydantic import BaseModel

# Imported for its registrations: what is in effect after the signature (issue #17).
from services.payments import in_effect  # noqa: F401
from services.payments.erasure import erasure_handler
from services.payments.grant_periods import change_terms, grant_period
from services.payments.upstream_registry import (
    DECISIONS,
    TIMESHEETS,
    by_name,
    from_decisions,
    from_timesheets,
)
from shared.bus.consumer import ConsumerSettings, EventConsumer
from shared.contracts.decisions import (
    ApplicationRefused,
    AssistantPaymentDetailsChanged,
    AssistantRegistered,
    CaseOpened,
    GrantAmended,
    HoursGranted,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
)
from shared.contracts.privacy import PersonalDataErased
from shared.contracts.timesheets import ApprovedDay, TimesheetApproved, TimesheetCorrected
from shared.events.envelope import Envelope
from shared.row_statements import RowStatement
from shared.store.eventstore import EventStore
from shared.store.types import Connection

CONSUMER = "payments"


# The decisions events that are one statement with some of their fields.
_STATEMENTS: dict[type[BaseModel], RowStatement] = {
    AssistantRegistered: RowStatement.of(
        "insert into assistants (assistant_id, municipality, personal_code, name, iban,"
        " tax_status, tax_book_held) values ($1, $2, $3, $4::text || ' ' || $5::text, $6, $7, $8)"
        " on conflict (assistant_id) do nothing",
        "assistant_id municipality personal_code first_name last_name iban tax_status"
        " tax_book_held",
    ),
    AssistantPaymentDetailsChanged: RowStatement.of(
        "update assistants set iban = coalesce($2, iban), tax_status = coalesce($3, tax_status),"
        " tax_book_held = coalesce($4, tax_book_held) where assistant_id = $1",
        "assistant_id iban tax_status tax_book_held",
    ),
    CaseOpened: RowStatement.of(
        "insert into cases (case_id, municipality, received_on) values ($1, $2, $3)"
        " on conflict (case_id) do nothing",
        "case_id municipality received_on",
    ),
    ServiceSuspended: RowStatement.of(
        "insert into suspensions (case_id, suspended_from) values ($1, $2) on conflict do nothing",
        "case_id suspended_from",
    ),
    ServiceResumed: RowStatement.of(
        "update suspensions set resumed_on = $2 where case_id = $1 and resumed_on is null",
        "case_id resumed_on",
    ),
    ApplicationRefused: RowStatement.of(
        "update cases set status = 'refused', decided_on = $2, decided_late = $3"
        " where case_id = $1",
        "case_id decided_on decided_late",
    ),
    ServiceTerminated: RowStatement.of(
        "update cases set ended_from = $2 where case_id = $1", "case_id terminated_from"
    ),
}
for _event_type, _statement in _STATEMENTS.items():
    DECISIONS.add(_event_type, _statement)

_granted = RowStatement.of(
    "update cases set status = 'granted', decided_on = $2, decided_late = $3,"
    " age_group = $4, vision_group = $5, unit = $6, hours = $7, period_start = $8,"
    " period_end = $9 where case_id = $1",
    "case_id decided_on decided_late age_group vision_group unit hours period_start period_end",
)


@from_decisions(HoursGranted)
async def hours_granted(conn: Connection, e: Envelope, data: HoursGranted) -> None:
    await _granted(conn, e, data)
    await grant_period(conn, data.case_id, data.period_start, data.unit.value, data.hours)


@from_decisions(GrantAmended)
async def grant_amended(conn: Connection, e: Envelope, data: GrantAmended) -> None:
    await change_terms(
        conn, data.case_id, data.effective_from, data.unit.value, data.hours, data.period_end
    )


@from_timesheets(TimesheetApproved)
@from_timesheets(TimesheetCorrected)
async def timesheet_approved(
    conn: Connection, e: Envelope, data: TimesheetApproved | TimesheetCorrected
) -> None:
    """The approved days replace what an older version approved (payments pay the month
    whole minus what was paid, pay.py); a version not newer than the stored one is old news."""
    days = _summed(data.days)
    # One statement (one round trip): record the newer version, then replace its days;
    # the upsert and the delete touch disjoint rows, so their order inside it is free.
    await conn.execute(
        "with newer as ("
        "  insert into timesheets (timesheet_id, municipality, assistant_id, case_id, month,"
        "  version) values ($1, $2, $3, $4, $5, $6)"
        "  on conflict (timesheet_id) do update set version = excluded.version"
        "  where timesheets.version < excluded.version returning timesheet_id),"
        " new_days as (select * from unnest($7::date[], $8::text[], $9::numeric[])"
        "  as d(day, activity, hours)),"
        " dropped as (delete from approved_days a where a.timesheet_id in (select * from newer)"
        "  and (a.day, a.activity) not in (select day, activity from new_days))"
        " insert into approved_days (timesheet_id, day, activity, hours)"
        " select n.timesheet_id, d.day, d.activity, d.hours from newer n cross join new_days d"
        " on conflict (timesheet_id, day, activity) do update set hours = excluded.hours",
        data.timesheet_id,
        e.municipality,
        data.assistant_id,
        data.case_id,
        data.month,
        data.version,
        [day for day, _ in days],
        [activity for _, activity in days],
        list(days.values()),
    )


def _summed(days: list[ApprovedDay]) -> dict[tuple[date, str], Decimal]:
    total: dict[tuple[date, str], Decimal] = {}
    for d in days:
        total[(d.day, d.activity)] = total.get((d.day, d.activity), Decimal(0)) + d.hours
    return total


def upstream_consumers(
    store: EventStore, pool: asyncpg.Pool, settings: ConsumerSettings
) -> list[EventConsumer]:
    # Erasures (issue #9) on the same durable as the rest of decisions' events: a second
    # consumer of the stream would see only part of its messages.
    decisions = {**by_name(DECISIONS), PersonalDataErased.__name__: erasure_handler(store)}
    return [
        EventConsumer(CONSUMER, "decisions", decisions, pool, settings),
        EventConsumer(CONSUMER, "timesheets", by_name(TIMESHEETS), pool, settings),
    ]
