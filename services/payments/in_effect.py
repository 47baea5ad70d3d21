"""What is in effect after the signature (issue #17; legal.md §5 item 3): payments pay what
is in effect, never what is merely decided.

A pending objection holds a termination, interruption or reduction back from ``held_from``
(the days it was in effect before stay a gap without service); the body upholding it puts
it in effect from ``effect_from``; an unfavourable change notified after its first day
takes effect that day. Idempotent like every upstream handler (upserts and guarded updates).
"""

from __future__ import annotations

from datetime import date

from services.payments.grant_periods import change_terms
from services.payments.upstream_registry import DECISIONS, from_decisions
from shared.contracts.decisions import ActNotified, CaseEnded, ObjectionDecided, ObjectionFiled
from shared.events.envelope import Envelope
from shared.row_statements import RowStatement
from shared.store.types import Connection


@from_decisions(ObjectionFiled)
async def objection_filed(conn: Connection, e: Envelope, data: ObjectionFiled) -> None:
    """Issue #17 (legal.md §5 item 3): a pending objection holds a termination, interruption
    or reduction back from ``held_from``; payments pay what is in effect."""
    held, first = data.held_from, data.act_first_day
    if not data.holds_back or held is None or first is None:
        return
    match data.act:
        case "ServiceTerminated":
            await conn.execute(
                "update cases set ended_from = null where case_id = $1", data.case_id
            )
            if held > first:  # in effect from its first day until the filing: a gap
                await conn.execute(
                    "insert into suspensions (case_id, suspended_from, resumed_on)"
                    " values ($1, $2, $3) on conflict do nothing",
                    data.case_id,
                    first,
                    held,
                )
        case "ServiceSuspended":
            await conn.execute(
                "update suspensions set resumed_on = $3 where case_id = $1"
                " and suspended_from = $2 and (resumed_on is null or resumed_on > $3)",
                data.case_id,
                first,
                held,
            )
        case "GrantAmended" if data.restored is not None:
            restored = data.restored
            await change_terms(
                conn, data.case_id, held, restored.unit.value, restored.hours, restored.period_end
            )


@from_decisions(ObjectionDecided)
async def objection_decided(conn: Connection, e: Envelope, data: ObjectionDecided) -> None:
    """The body upheld (or changed) a held-back act: in effect from ``effect_from``."""
    if data.holds_back and data.effect_from is not None:
        await _in_effect_from(conn, data.case_id, data.act, data.effect_from, data)


@from_decisions(ActNotified)
async def act_notified(conn: Connection, e: Envelope, data: ActNotified) -> None:
    """An unfavourable change notified after its first day takes effect that day (item 5)."""
    if data.first_day_in_effect is not None:
        await _in_effect_from(
            conn, data.case_id, data.act, data.first_day_in_effect, None, data.act_first_day
        )


async def _in_effect_from(
    conn: Connection,
    case_id: str,
    act: str,
    day: date,
    decided: ObjectionDecided | None,
    first_day: date | None = None,
) -> None:
    terms = decided.terms if decided is not None else None
    match act:
        case "ServiceTerminated":
            await conn.execute("update cases set ended_from = $2 where case_id = $1", case_id, day)
        case "ServiceSuspended" if decided is None:
            await conn.execute(
                "update suspensions set suspended_from = $3 where case_id = $1"
                " and suspended_from = $2",
                case_id,
                first_day,
                day,
            )
        case "ServiceSuspended":
            await conn.execute(
                "insert into suspensions (case_id, suspended_from) values ($1, $2)"
                " on conflict do nothing",
                case_id,
                day,
            )
        case "GrantAmended" if decided is None and first_day is not None:
            await conn.execute(
                "update grant_periods set effective_from = $3 where case_id = $1"
                " and effective_from = $2",
                case_id,
                first_day,
                day,
            )
        case "GrantAmended" if terms is not None:
            await change_terms(conn, case_id, day, terms.unit.value, terms.hours, terms.period_end)


# legal.md §2 (CaseEnded): the grant ended by its term or the person died: nothing after
# that day.
DECISIONS.add(
    CaseEnded,
    RowStatement.of(
        "update cases set ended_from = least(coalesce(ended_from, $2::date + 1), $2::date + 1)"
        " where case_id = $1",
        "case_id last_service_day",
    ),
)
