"""Decisions' events into timesheets' knowledge of grants and assignments.

Every municipality's events arrive (``asist.*.decisions.>``), so an assistant of two
municipalities is one person here (by personal code, rules.md §10, architecture.md §9).
Each fact is keyed by the decision (case, decision number) or the assistant or assignment
id and written with ``on conflict do nothing`` or an idempotent update: the consumer already
skips a redelivered event id, and the same fact delivered under another id changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel

from shared.aggregate import ByType
from shared.contracts.decisions import (
    ActNotified,
    AssistantAssigned,
    AssistantRegistered,
    AssistantUnassigned,
    CaseEnded,
    GrantAmended,
    HoursGranted,
    ObjectionDecided,
    ObjectionFiled,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
)
from shared.events.envelope import Envelope
from shared.privacy.scrub import erased_mark, is_erased_mark
from shared.row_statements import (
    Projector,
    RowStatement,
    applies,
    envelope_municipality,
    projection_by_type,
)
from shared.rules import AgeGroup, Unit
from shared.store.types import Connection

# One function per event (shared/aggregate.py ``ByType``, as decisions' read models do):
# the ``RowStatement``s of the table ``STATEMENTS`` in order where the event's statements
# take only its fields (or values made of them), else a function registered with
# ``@learns(EventType)`` over ``async def name(conn, envelope, event: EventType) -> None``
# where what it writes depends on the event. ``HANDLED``, at the end, is what they cover
# (a test checks it).
_LEARNERS: ByType[Projector] = ByType("a learn function")
learns = _LEARNERS.register


# Apply one decisions event to what timesheets knows (the consumer delivers only
# ``HANDLED``; any other event changes nothing).
learn = projection_by_type(_LEARNERS)


def _code(personal_code: str, row_id: str) -> str:
    """The code that matches one person across rows; an erased person's (issue #9: a replay
    after an erasure reads "erased") is unique per row, so erased people never match."""
    return erased_mark(row_id) if is_erased_mark(personal_code) else personal_code


def _client_code(_envelope: Envelope, event: HoursGranted) -> str:
    return _code(event.personal_code, event.case_id)


def _assistant_code(_envelope: Envelope, event: AssistantRegistered) -> str:
    return _code(event.personal_code, event.assistant_id)


def _any_activity(_envelope: Envelope, event: HoursGranted) -> bool:
    # rules.md §4.3: for a child the family decides when and for what the hours are used.
    # An LV-2021 adult's monthly hours come from the highest purpose, not a sum of
    # activities (rules.md §4.2a), so they are not split by activity either.
    return event.age_group is not AgeGroup.ADULT or event.unit is Unit.MONTH


def _activities(_envelope: Envelope, event: HoursGranted | GrantAmended) -> list[str]:
    return sorted({b.kind.value for b in event.breakdown})


def _day_before_effect(_envelope: Envelope, event: GrantAmended) -> date:
    return event.effective_from - timedelta(days=1)


def _terms_from(first_day: str) -> RowStatement:
    """The terms a grant or an amendment decides, from its field ``first_day`` on."""
    return RowStatement(
        "insert into grant_terms (case_id, decision_number, unit, hours, activities,"
        " period_start, period_end) values ($1, $2, $3, $4, $5, $6, $7)"
        " on conflict do nothing",
        ("case_id", "decision_number", "unit", "hours", _activities, first_day, "period_end"),
    )


# The events that are statements with some of their fields (or values made of them).
STATEMENTS: dict[type[BaseModel], tuple[RowStatement, ...]] = {
    HoursGranted: (
        RowStatement(
            "insert into grant_cases (case_id, municipality, client_code, any_activity)"
            " values ($1, $2, $3, $4) on conflict do nothing",
            ("case_id", envelope_municipality, _client_code, _any_activity),
        ),
        _terms_from("period_start"),
    ),
    GrantAmended: (
        # The earlier terms end the day before the amendment takes effect (rules.md §5.5).
        RowStatement(
            "update grant_terms set period_end = least(period_end, $3::date)"
            " where case_id = $1 and decision_number < $2",
            ("case_id", "decision_number", _day_before_effect),
        ),
        _terms_from("effective_from"),
    ),
    ServiceSuspended: (
        RowStatement.of(
            "insert into grant_suspensions (case_id, decision_number, suspended_from)"
            " values ($1, $2, $3) on conflict do nothing",
            "case_id decision_number suspended_from",
        ),
    ),
    # The open suspension that began before the resumption ends the day before it.
    ServiceResumed: (
        RowStatement.of(
            "update grant_suspensions set resumed_on = $2 where case_id = $1"
            " and resumed_on is null and suspended_from < $2",
            "case_id resumed_on",
        ),
    ),
    ServiceTerminated: (
        RowStatement.of(
            "update grant_cases set terminated_from = $2 where case_id = $1",
            "case_id terminated_from",
        ),
    ),
    # legal.md §2: the person died (or the period ended): no service after that day.
    CaseEnded: (
        RowStatement.of(
            "update grant_cases set terminated_from = least(coalesce(terminated_from,"
            " $2::date + 1), $2::date + 1) where case_id = $1",
            "case_id last_service_day",
        ),
    ),
    AssistantRegistered: (
        RowStatement(
            "insert into known_assistants (assistant_id, municipality, personal_code)"
            " values ($1, $2, $3) on conflict do nothing",
            ("assistant_id", "municipality", _assistant_code),
        ),
    ),
    AssistantAssigned: (
        RowStatement(
            "insert into known_assignments (assignment_id, assistant_id, case_id,"
            " municipality, assigned_from) values ($1, $2, $3, $4, $5)"
            " on conflict do nothing",
            ("assignment_id", "assistant_id", "case_id", envelope_municipality, "assigned_from"),
        ),
    ),
    AssistantUnassigned: (
        RowStatement.of(
            "update known_assignments set last_day = $2 where assignment_id = $1",
            "assignment_id last_day",
        ),
    ),
}
for _event_type, _statements in STATEMENTS.items():
    _LEARNERS.add(_event_type, applies(_statements))


# Issue #17 (legal.md §5 item 3): time reports follow what is in effect. A pending
# objection holds a termination, interruption or reduction back from ``held_from`` (the
# days it was in effect before stay a gap without service); the body upholding it puts it
# in effect from ``effect_from``; an act notified after its first day starts that day.
@learns(ActNotified)
async def act_notified(conn: Connection, _envelope: Envelope, event: ActNotified) -> None:
    day = event.first_day_in_effect
    if day is not None:
        await _moved(conn, event.case_id, event.decision_number, event.act, day)


@learns(ObjectionFiled)
async def objection_filed(conn: Connection, _envelope: Envelope, event: ObjectionFiled) -> None:
    held = event.held_from
    if event.holds_back and held is not None:
        await _held_back(conn, event, held)


@learns(ObjectionDecided)
async def objection_decided(conn: Connection, _envelope: Envelope, event: ObjectionDecided) -> None:
    day = event.effect_from
    if event.holds_back and day is not None:
        await _moved(conn, event.case_id, event.decision_number, event.act, day, event)


def restored_key(number: int) -> int:
    """The ``grant_terms`` key of the terms an objection restores against act ``number``.

    Negative, so that a later amendment (``decision_number < its number``) ends it too, and
    never equal to a decision's own number."""
    return -number


def upheld_key(number: int) -> int:
    """The ``grant_terms`` key of act ``number``'s terms once the body upholds them."""
    return -(number + 100_000)


async def _held_back(conn: Connection, event: ObjectionFiled, held: date) -> None:
    case_id, number = event.case_id, event.decision_number
    first = event.act_first_day or held
    match event.act:
        case "ServiceTerminated":
            await conn.execute(
                "update grant_cases set terminated_from = null where case_id = $1", case_id
            )
            if held > first:  # in effect from its first day until the filing: a gap
                await conn.execute(
                    "insert into grant_suspensions (case_id, decision_number, suspended_from,"
                    " resumed_on) values ($1, $2, $3, $4) on conflict do nothing",
                    case_id,
                    number,
                    first,
                    held,
                )
        case "ServiceSuspended":
            await conn.execute(
                "update grant_suspensions set resumed_on = $3 where case_id = $1"
                " and decision_number = $2 and (resumed_on is null or resumed_on > $3)",
                case_id,
                number,
                held,
            )
        case "GrantAmended" if event.restored is not None:
            # The reduction ends the day before it is held back; the terms before it apply
            # again (a negative key: the restored terms of act ``number``).
            await conn.execute(
                "update grant_terms set period_end = least(period_end, $3::date)"
                " where case_id = $1 and decision_number = $2",
                case_id,
                number,
                held - timedelta(days=1),
            )
            restored = event.restored
            await conn.execute(
                "insert into grant_terms (case_id, decision_number, unit, hours, activities,"
                " period_start, period_end) select $1, $3, $4, $5, activities, $6, $7"
                " from grant_terms where case_id = $1 and decision_number < $2"
                " and decision_number > 0 order by decision_number desc limit 1"
                " on conflict do nothing",
                case_id,
                number,
                restored_key(number),
                restored.unit.value,
                restored.hours,
                held,
                restored.period_end,
            )


async def _moved(
    conn: Connection,
    case_id: str,
    number: int,
    act: str,
    day: date,
    decided: ObjectionDecided | None = None,
) -> None:
    """Act ``number`` is in effect from ``day`` (later entry into force, or upheld)."""
    terms = decided.terms if decided is not None else None
    match act:
        case "ServiceTerminated":
            await conn.execute(
                "update grant_cases set terminated_from = $2 where case_id = $1", case_id, day
            )
        case "ServiceSuspended" if decided is None:
            await conn.execute(
                "update grant_suspensions set suspended_from = $3 where case_id = $1"
                " and decision_number = $2",
                case_id,
                number,
                day,
            )
        case "ServiceSuspended":
            # Held back from its first day to ``day``: one row per act, so it starts again.
            await conn.execute(
                "update grant_suspensions set suspended_from = $3, resumed_on = null"
                " where case_id = $1 and decision_number = $2",
                case_id,
                number,
                day,
            )
        case "GrantAmended" if decided is None:
            # The terms before it run until the day before it takes effect.
            await conn.execute(
                "update grant_terms set period_end = $3::date - 1 where case_id = $1"
                " and decision_number = (select max(decision_number) from grant_terms"
                " where case_id = $1 and decision_number between 1 and $2 - 1)",
                case_id,
                number,
                day,
            )
            await conn.execute(
                "update grant_terms set period_start = $3 where case_id = $1"
                " and decision_number = $2",
                case_id,
                number,
                day,
            )
        case "GrantAmended" if terms is not None:
            # Upheld: the restored terms end the day before; the reduction applies again from
            # ``day`` as its own term (the reduced days before the filing keep act's term).
            await conn.execute(
                "update grant_terms set period_end = $3::date - 1 where case_id = $1"
                " and decision_number = $2",
                case_id,
                restored_key(number),
                day,
            )
            await conn.execute(
                "insert into grant_terms (case_id, decision_number, unit, hours, activities,"
                " period_start, period_end) select $1, $3, $4, $5, activities, $6, $7"
                " from grant_terms where case_id = $1 and decision_number = $2"
                " on conflict do nothing",
                case_id,
                number,
                upheld_key(number),
                terms.unit.value,
                terms.hours,
                day,
                terms.period_end,
            )


# The decisions events timesheets learns from (its consumer's subjects), sorted by name so
# the list reads the same in every run.
HANDLED: tuple[type[BaseModel], ...] = tuple(
    sorted(_LEARNERS.types, key=lambda event_type: event_type.__name__)
)
