"""Read models of intake: applications with their documents and reported changes.

``project`` is the only writer. Commands apply it in their own transaction right after the
append (so a list never lags behind a ``201``), and ``rebuild`` for every stored event,
both through ``project_many``, which sends its statements in batches (issue #14); one
function for both is what makes a rebuild equal the live tables (architecture.md §5).
``project`` only executes statements on rows of the event's own application (what
batching needs: shared/store/batches.py).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_json

from services.intake.case_status import JOIN, SHOWN_COLUMNS, SHOWN_STATUS
from services.intake.domain import Status
from shared.contracts.intake import (
    ApplicationDocumentAdded,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    CircumstancesReported,
)
from shared.events.envelope import Envelope
from shared.row_statements import Projector, projection_by_type
from shared.rules import decision_deadline
from shared.store.batches import project_in_batches, rebuilding
from shared.store.types import Connection

TABLES = ("applications", "application_documents", "application_changes")


async def _submitted(conn: Connection, envelope: Envelope, event: ApplicationSubmitted) -> None:
    await conn.execute(
        "insert into applications (application_id, municipality, status, channel, received_on,"
        " decision_due_on, first_name, last_name, personal_code, submission, version,"
        " submitted_at, updated_at)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $12)",
        event.application_id,
        envelope.municipality,
        Status.SUBMITTED.value,
        event.channel.value,
        event.received_on,
        decision_deadline(event.received_on),
        event.applicant.first_name,
        event.applicant.last_name,
        event.applicant.personal_code,
        # pydantic-core's serializer: several times faster than json.dumps (a rebuild writes
        # one per application); jsonb stores the value, not the text.
        to_json(envelope.data).decode(),
        envelope.aggregateversion,
        envelope.time,
    )


async def _withdrawn(conn: Connection, envelope: Envelope, event: ApplicationWithdrawn) -> None:
    await _touch(
        conn,
        envelope,
        "status = $4, withdrawn_on = $5, withdrawal_reason = $6",
        Status.WITHDRAWN.value,
        event.withdrawn_on,
        event.reason,
    )


def _listed(table: str, stamp: str, count: str) -> Projector:
    """A document or a reported change: a row of its own ``table``, and one more in the
    application's ``count``."""

    async def apply(conn: Connection, envelope: Envelope, event: BaseModel) -> None:
        await _insert_recorded(conn, table, stamp, envelope, event)
        await _touch(conn, envelope, f"{count} = {count} + 1")

    return apply


async def _insert_recorded(
    conn: Connection, table: str, stamp: str, envelope: Envelope, event: BaseModel
) -> None:
    """A row of ``table`` (a document or a change) holding the event's fields as they are
    named in the event, the event's version and, in column ``stamp``, its time."""
    fields = event.model_dump()
    await conn.execute(
        _insert_sql(table, stamp, tuple(fields)),
        *[_column_value(v) for v in fields.values()],
        envelope.aggregateversion,
        envelope.time,
    )


@functools.cache
def _insert_sql(table: str, stamp: str, fields: tuple[str, ...]) -> str:
    """Made once per table and event type (a rebuild inserts thousands of rows)."""
    columns = [*fields, "version", stamp]
    places = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    return f"insert into {table} ({', '.join(columns)}) values ({places})"


def _column_value(value: Any) -> Any:
    """An enum as its text (asyncpg binds a text column to a plain string)."""
    return value.value if isinstance(value, Enum) else value


# One small function per event (issue #8); adding an event adds one line here.
_PROJECT: dict[type[BaseModel], Projector] = {
    ApplicationSubmitted: _submitted,
    ApplicationDocumentAdded: _listed("application_documents", "added_at", "document_count"),
    ApplicationWithdrawn: _withdrawn,
    CircumstancesReported: _listed("application_changes", "reported_at", "change_count"),
}


# Apply one event to the read models; events intake does not show change nothing.
project = projection_by_type(_PROJECT)


async def _touch(conn: Connection, envelope: Envelope, change: str, *args: Any) -> None:
    """Apply ``change`` to the application row and move its version to this event's."""
    await conn.execute(
        f"update applications set {change}, version = $2, updated_at = $3"
        " where application_id = $1::text::uuid",
        envelope.data["application_id"],
        envelope.aggregateversion,
        envelope.time,
        *args,
    )


async def project_many(conn: Connection, events: Sequence[tuple[Envelope, BaseModel]]) -> None:
    """``project`` for many events in order, with a few ``executemany`` instead of a
    statement per event (shared/store/batches.py): every statement of ``project`` touches
    only the rows of the event's own application."""
    await project_in_batches(conn, project, events)


# Empty the read models and replay every stored event into them, in one transaction
# (shared/store/batches.py ``rebuilding``: readers see the old rows until the new commit).
rebuild = rebuilding(TABLES, project)


# ---- queries -----------------------------------------------------------------------------

# The status shown is the case's once decisions has decided (case_status.py, issue 18).
_SUMMARY = (
    f"a.application_id::text, {SHOWN_COLUMNS}, a.channel, a.received_on, a.decision_due_on,"
    " a.first_name, a.last_name, a.document_count, a.change_count, a.withdrawn_on, a.version"
)
_FROM = f" from applications a{JOIN}"


async def list_applications(
    conn: Connection,
    municipality: str,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    """``status``: as shown (intake's own, or the case's: ``case_status.CaseStatus``)."""
    where = f" where a.municipality = $1 and ($2::text is null or {SHOWN_STATUS} = $2)"
    total = await conn.fetchval(
        f"select count(*){_FROM}{where}",
        municipality,
        status,
    )
    rows = await conn.fetch(
        f"select {_SUMMARY}{_FROM}{where}"
        " order by a.received_on desc, a.application_id desc limit $3 offset $4",
        municipality,
        status,
        limit,
        offset,
    )
    return int(total), [dict(r) for r in rows]


async def get_application(
    conn: Connection, municipality: str, application_id: str
) -> dict[str, Any] | None:
    """One application of ``municipality``; another municipality's id is simply not found."""
    row = await conn.fetchrow(
        f"select {_SUMMARY}, a.withdrawal_reason, a.submitted_at, a.updated_at,"
        f" a.submission::text{_FROM}"
        " where a.municipality = $1 and a.application_id = $2::text::uuid",
        municipality,
        application_id,
    )
    if row is None:
        return None
    view = dict(row)
    view["submission"] = json.loads(view["submission"])
    view["documents"] = [
        dict(r)
        for r in await conn.fetch(
            "select document_id::text, kind, title, content_sha256, storage_ref, received_on,"
            " added_at from application_documents where application_id = $1::text::uuid"
            " order by version",
            application_id,
        )
    ]
    view["changes"] = [
        dict(r)
        for r in await conn.fetch(
            "select report_id::text, kind, effective_from, effective_until, description,"
            " reported_at from application_changes where application_id = $1::text::uuid"
            " order by version",
            application_id,
        )
    ]
    return view
