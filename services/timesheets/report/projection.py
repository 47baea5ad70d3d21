"""The reports' read models, written in the transaction that appends their events.

``project`` is called with every event a command appends (handlers.py, the pipeline's
``project``), in the same transaction, and by ``rebuild``, which empties the tables and
replays the event store in commit order: the same rows either way. It needs only what
``Meta`` keeps of the envelope (municipality, sequence, actor).
No column holds a clock reading; the history shows the dates the events carry.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from shared.aggregate import ByType
from shared.contracts import timesheets as tc
from shared.events.envelope import Envelope
from shared.store.eventstore import EventStore
from shared.store.replay import replay_into
from shared.store.types import Connection

TABLES = ("reports", "report_entries", "report_history")


@dataclass(frozen=True)
class Meta:
    """What the read models keep of an event's envelope, known before it is appended."""

    municipality: str
    sequence: int
    actor: str | None

    @classmethod
    def of(cls, envelope: Envelope) -> Meta:
        return cls(envelope.municipality, envelope.aggregateversion, envelope.actor)


# One function per event, registered with ``@projects(EventType)`` over
# ``async def name(conn, envelope: Meta, event: EventType) -> None`` (shared/aggregate.py
# ``ByType``, as decisions' read models do); ``project`` adds the history row of each. A
# test checks every timesheets event has its projection.
PROJECTORS: ByType[Callable[[Connection, Meta, Any], Awaitable[None]]] = ByType("a projection")
projects = PROJECTORS.register


async def project(conn: Connection, envelope: Meta, event: BaseModel) -> None:
    """Apply one event to the read models and their history (other events are ignored)."""
    projector = PROJECTORS.get(type(event))
    if projector is None:
        return
    await projector(conn, envelope, event)
    await _history(conn, envelope, event)


@projects(tc.TimesheetDrafted)
async def drafted(conn: Connection, envelope: Meta, event: tc.TimesheetDrafted) -> None:
    await _ensure_report(conn, envelope.municipality, event)
    await conn.execute(
        "update reports set status = 'draft', reported_hours = $2 where timesheet_id = $1",
        event.timesheet_id,
        sum((e.hours for e in event.entries), Decimal(0)),
    )
    await _entries(conn, event, event.entries, event.notes_by_entry(), counted=False)


@projects(tc.TimesheetSubmitted)
async def submitted(conn: Connection, _envelope: Meta, event: tc.TimesheetSubmitted) -> None:
    await conn.execute(
        "update reports set status = 'submitted', version = $2, submitted_on = $3,"
        " reported_hours = $4, findings = $5::jsonb, reasons = '[]',"
        " approved_hours = null, approved_on = null, attested_on = null,"
        " attested_by = null where timesheet_id = $1",
        event.timesheet_id,
        event.version,
        event.submitted_on,
        event.reported_hours,
        json.dumps([f.model_dump(mode="json") for f in event.findings]),
    )
    notes = await _notes(conn, event.timesheet_id)
    await _entries(conn, event, event.entries, notes, counted=True)


@projects(tc.TimesheetAttested)
async def attested(conn: Connection, _envelope: Meta, event: tc.TimesheetAttested) -> None:
    await conn.execute(
        "update reports set status = 'attested', attested_on = $2, attested_by = $3"
        " where timesheet_id = $1",
        event.timesheet_id,
        event.attested_on,
        event.attested_by,
    )


@projects(tc.TimesheetApproved)
async def approved(conn: Connection, _envelope: Meta, event: tc.TimesheetApproved) -> None:
    await _approved(conn, event, event.approved_on)


@projects(tc.TimesheetCorrected)
async def corrected(conn: Connection, _envelope: Meta, event: tc.TimesheetCorrected) -> None:
    await _approved(conn, event, event.corrected_on)


async def _approved(
    conn: Connection, event: tc.TimesheetApproved | tc.TimesheetCorrected, on: date
) -> None:
    """An approval and a correction both leave the report approved, as of ``on``."""
    await conn.execute(
        "update reports set status = 'approved', approved_on = $2, approved_hours = $3"
        " where timesheet_id = $1",
        event.timesheet_id,
        on,
        event.approved_hours,
    )
    await conn.execute(
        "update report_entries set approved_hours = hours where timesheet_id = $1",
        event.timesheet_id,
    )
    for reduction in event.reductions:
        await conn.execute(
            "update report_entries set approved_hours = $3 where timesheet_id = $1 and idx = $2",
            event.timesheet_id,
            reduction.entry_index,
            reduction.approved_hours,
        )


@projects(tc.TimesheetRejected)
async def rejected(conn: Connection, _envelope: Meta, event: tc.TimesheetRejected) -> None:
    await conn.execute(
        "update reports set status = 'rejected', reasons = $2::jsonb where timesheet_id = $1",
        event.timesheet_id,
        json.dumps(event.reasons),
    )
    await _count(conn, event.timesheet_id, counted=False)


@projects(tc.TimesheetReopened)
async def reopened(conn: Connection, _envelope: Meta, event: tc.TimesheetReopened) -> None:
    await conn.execute(
        "update reports set status = 'draft', version = $2 where timesheet_id = $1",
        event.timesheet_id,
        event.version,
    )
    await _count(conn, event.timesheet_id, counted=False)


@projects(tc.TimesheetOverdue)
async def overdue(conn: Connection, envelope: Meta, event: tc.TimesheetOverdue) -> None:
    await _ensure_report(conn, envelope.municipality, event)
    await conn.execute(
        "update reports set overdue = true, due_on = $2, overdue_detected_on = $3"
        " where timesheet_id = $1",
        event.timesheet_id,
        event.due_on,
        event.detected_on,
    )


async def _ensure_report(
    conn: Connection, municipality: str, event: tc.TimesheetDrafted | tc.TimesheetOverdue
) -> None:
    await conn.execute(
        "insert into reports (timesheet_id, municipality, assistant_id, case_id,"
        " assignment_id, month) values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
        event.timesheet_id,
        municipality,
        event.assistant_id,
        event.case_id,
        event.assignment_id,
        event.month,
    )


async def _notes(conn: Connection, timesheet_id: str) -> dict[int, str]:
    rows = await conn.fetch(
        "select idx, note from report_entries where timesheet_id = $1 and note <> ''",
        timesheet_id,
    )
    return {r["idx"]: r["note"] for r in rows}


async def _entries(
    conn: Connection,
    event: tc.TimesheetDrafted | tc.TimesheetSubmitted,
    entries: list[tc.ReportedEntry],
    notes: dict[int, str],
    *,
    counted: bool,
) -> None:
    await conn.execute("delete from report_entries where timesheet_id = $1", event.timesheet_id)
    await conn.executemany(
        "insert into report_entries (timesheet_id, idx, assistant_id, case_id, day,"
        " start_time, end_time, activity, hours, note, counted)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        [
            (
                event.timesheet_id,
                index,
                event.assistant_id,
                event.case_id,
                e.day,
                e.start,
                e.end,
                e.activity,
                e.hours,
                notes.get(index, ""),
                counted,
            )
            for index, e in enumerate(entries)
        ],
    )


async def _count(conn: Connection, timesheet_id: str, *, counted: bool) -> None:
    await conn.execute(
        "update report_entries set counted = $2, approved_hours = null where timesheet_id = $1",
        timesheet_id,
        counted,
    )


def _summary(event: BaseModel) -> dict[str, Any]:
    """What the history shows of an event: its data without the entries (shown apart)."""
    data: dict[str, Any] = event.model_dump(mode="json")
    for bulky in ("entries", "notes", "days", "difference"):
        if bulky in data and isinstance(data[bulky], list | dict):
            data[f"{bulky}_count"] = len(data.pop(bulky))
    for ids in ("timesheet_id", "assistant_id", "case_id", "assignment_id", "month"):
        data.pop(ids, None)
    return data


async def _history(conn: Connection, envelope: Meta, event: BaseModel) -> None:
    await conn.execute(
        "insert into report_history (timesheet_id, sequence, event_type, actor, version,"
        " summary) values ($1, $2, $3, $4, $5, $6::jsonb) on conflict do nothing",
        getattr(event, "timesheet_id"),  # noqa: B009  (every timesheet event has it)
        envelope.sequence,
        type(event).__name__,
        envelope.actor,
        getattr(event, "version", 1),
        json.dumps(_summary(event)),
    )


async def rebuild(conn: Connection, store: EventStore, batch: int = 1000) -> int:
    """Empty the reports' read models and replay every event in commit order."""

    async def apply(envelope: Envelope, event: BaseModel) -> None:
        await project(conn, Meta.of(envelope), event)

    return await replay_into(conn, store, TABLES, apply, batch)
