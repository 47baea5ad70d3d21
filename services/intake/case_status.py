"""The application's view follows its case (issue 18, point 7).

Intake's consumer of decisions' events keeps ``application_case_status``: one row per
case, the status its latest event gives it. The decisions service keys a case by the id of
the application it was opened from (``CaseOpened.application_id`` = ``case_id``), so the row
joins the application directly. Each write is conditional on the case's aggregate version,
so a repeated or late event changes nothing: the handlers are idempotent on their own, not
only through ``processed_events``.

The status an application shows (``shown_status``): intake's own until the case says more;
a withdrawal registered at intake stays "withdrawn" while the case is merely open.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel

from shared.aggregate import ByType
from shared.bus.consumer import EventHandler
from shared.contracts.decisions import (
    ApplicationForwarded,
    ApplicationRefused,
    CaseClosed,
    CaseOpened,
    CloseReason,
    GrantAmended,
    HoursGranted,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
)
from shared.events.envelope import Envelope
from shared.store.types import Connection


class CaseStatus(StrEnum):
    OPEN = "open"  # the case is open at decisions, not yet decided (rules.md §5.4)
    GRANTED = "granted"  # rules.md §4.5; also after an amendment or a resumption
    REFUSED = "refused"  # rules.md §3.4
    SUSPENDED = "suspended"  # rules.md §3.3
    TERMINATED = "terminated"  # rules.md §5.6
    WITHDRAWN = "withdrawn"  # closed undecided after a written withdrawal (rules.md §5.6)
    FORWARDED = "forwarded"  # sent to the municipality of the residence (rules.md §3.5)
    CLOSED = "closed"  # closed undecided for another reason


# What an event says of its case: the status, and the date and number of the decision that
# gives it (shown with the application); a forwarding or a closing has a date, no number.
Outcome = tuple[CaseStatus, date | None, int | None]


class _Decision(Protocol):
    """What every decision of the decisions service carries: its date and its number."""

    @property
    def decided_on(self) -> date: ...

    @property
    def decision_number(self) -> int: ...


# The decisions that change a case's status, and the status each gives it.
DECISIONS: dict[type[BaseModel], CaseStatus] = {
    HoursGranted: CaseStatus.GRANTED,
    GrantAmended: CaseStatus.GRANTED,
    ServiceResumed: CaseStatus.GRANTED,
    ApplicationRefused: CaseStatus.REFUSED,
    ServiceSuspended: CaseStatus.SUSPENDED,
    ServiceTerminated: CaseStatus.TERMINATED,
}
CLOSED_AS = {
    CloseReason.WITHDRAWN: CaseStatus.WITHDRAWN,
    CloseReason.FORWARDED: CaseStatus.FORWARDED,
}

# One function per followed event: the registry is the one list of the events intake
# follows (FOLLOWED), so a status cannot be known without its event being subscribed to.
_OUTCOMES: ByType[Callable[[Any], Outcome]] = ByType("an outcome")


def _decided(status: CaseStatus) -> Callable[[_Decision], Outcome]:
    def outcome(decision: _Decision) -> Outcome:
        return status, decision.decided_on, decision.decision_number

    return outcome


for _decision, _status in DECISIONS.items():
    _OUTCOMES.add(_decision, _decided(_status))


@_OUTCOMES.register(CaseOpened)
def _opened(event: CaseOpened) -> Outcome:
    return CaseStatus.OPEN, None, None


@_OUTCOMES.register(ApplicationForwarded)
def _forwarded(event: ApplicationForwarded) -> Outcome:
    return CaseStatus.FORWARDED, event.forwarded_on, None


@_OUTCOMES.register(CaseClosed)
def _closed(event: CaseClosed) -> Outcome:
    return CLOSED_AS.get(event.reason, CaseStatus.CLOSED), event.closed_on, None


# The decisions events intake follows; ApplicationForwarded has its own handler too (the
# forwarded application is registered, services/intake/consumers.py).
FOLLOWED = _OUTCOMES.types


def outcome(event: BaseModel) -> Outcome | None:
    """The case's status after ``event``; None for events that do not change it."""
    of_event = _OUTCOMES.get(type(event))
    return None if of_event is None else of_event(event)


async def record(conn: Connection, envelope: Envelope, event: BaseModel) -> None:
    """Set the case's status from ``event``, unless a newer event of the case set it."""
    result = outcome(event)
    if result is None:
        return
    status, decided_on, number = result
    # A decision without a number (forwarding, closing) keeps the last decision's number.
    await conn.execute(
        "insert into application_case_status (application_id, municipality, status,"
        " decided_on, decision_number, case_version, changed_by, updated_at)"
        " values ($1::text::uuid, $2, $3, $4, $5, $6, $7, $8)"
        " on conflict (application_id) do update set status = excluded.status,"
        " decided_on = coalesce(excluded.decided_on, application_case_status.decided_on),"
        " decision_number = coalesce(excluded.decision_number,"
        " application_case_status.decision_number),"
        " case_version = excluded.case_version, changed_by = excluded.changed_by,"
        " updated_at = excluded.updated_at"
        " where application_case_status.case_version < excluded.case_version",
        getattr(event, "case_id"),  # noqa: B009  (every followed event has it)
        envelope.municipality,
        status.value,
        decided_on,
        number,
        envelope.aggregateversion,
        envelope.event_name,
        envelope.time,
    )


def handlers(
    also: dict[str, EventHandler] | None = None,
) -> dict[str, EventHandler]:
    """Event name -> handler for the followed events; ``also`` runs first where given
    (e.g. registering a forwarded application), then the status is recorded."""
    extra = also or {}

    def both(first: EventHandler | None) -> EventHandler:
        async def handle(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
            if first is not None:
                await first(conn, envelope, data)
            await record(conn, envelope, data)

        return handle

    return {event.__name__: both(extra.get(event.__name__)) for event in FOLLOWED}


# ---- the view ------------------------------------------------------------------------------

# The status an application shows, in SQL over ``applications a`` left-joined with
# ``application_case_status c`` (see JOIN): the case's, once it has one, except that an
# application withdrawn at intake is shown withdrawn while its case is only open.
SHOWN_STATUS = (
    "(case when c.status is null or (c.status = 'open' and a.status = 'withdrawn')"
    " then a.status else c.status end)"
)
JOIN = (
    " left join application_case_status c"
    " on c.application_id = a.application_id and c.municipality = a.municipality"
)
SHOWN_COLUMNS = f"{SHOWN_STATUS} as status, c.decided_on, c.decision_number"
