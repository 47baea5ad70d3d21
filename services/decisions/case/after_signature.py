"""After the signature (issue #17; legal.md §2, §5, §6): notification and entry into force,
objections, applications left without progress, and cases that end without an act (pure).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from pydantic import BaseModel

from services.decisions.case.state import (
    LIVE,
    WITH_GRANT,
    CaseState,
    CaseStatus,
    Decision,
    Objection,
    apply_act,
    decides,
    evolves,
    first_day_of,
    is_reduction,
    require_status,
    with_first_day,
)
from services.decisions.domain import IllegalTransition, NotFound, invalid
from shared.contracts.decisions import (
    ActNotified,
    ApplicationLeftWithoutProgress,
    ApplicationRefused,
    CaseEnded,
    CaseEndReason,
    DeadlineExtended,
    DefectFixed,
    DefectKind,
    GrantAmended,
    ObjectionDecided,
    ObjectionFiled,
    ObjectionOutcome,
    RestoredTerms,
    ServiceSuspended,
    ServiceTerminated,
    TerminationReason,
)
from shared.rules import decision_deadline
from shared.rules.notification import NotificationMethod, notification_dates


@dataclass(frozen=True)
class NotifyAct:
    """Paziņošanas likums, legal.md §6: how and when an act was handed over or sent."""

    decision_number: int
    method: NotificationMethod
    sent_on: date
    transferred_days_off: bool  # the municipality's setting (legal.md §6)
    today: date


@dataclass(frozen=True)
class FileObjection:
    """legal.md §5: an objection against an act, filed with the body."""

    objection_id: str
    decision_number: int
    filed_on: date
    filed_by: str
    today: date


@dataclass(frozen=True)
class DecideObjection:
    """legal.md §5 item 4: the body's decision on an objection, applied to the case."""

    objection_id: str
    outcome: ObjectionOutcome
    decided_on: date
    body_reference: str
    effect_from: date | None
    today: date


@dataclass(frozen=True)
class LeaveWithoutProgress:
    """APL 56(1.1), legal.md §6: a defect in the application, with a term to fix it."""

    defect: DefectKind
    fix_by: date
    note: str
    today: date


@dataclass(frozen=True)
class FixDefect:
    fixed_on: date
    today: date


@dataclass(frozen=True)
class EndCase:
    """legal.md §2: the grant reached its end date, or the person died; no act."""

    reason: CaseEndReason
    on: date | None  # the day of death; the period's end is the grant's own
    today: date


def act_of(state: CaseState, number: int) -> Decision:
    if not 1 <= number <= len(state.decisions):
        raise NotFound(f"no decision {number} on this case")
    return state.decisions[number - 1]


def signed_act_of(state: CaseState, number: int) -> Decision:
    """The act ``number``, to be notified or contested: an extension notice is numbered like one
    but is a letter, not an act (legal.md §2), so it has no entry into force and no objection."""
    act = act_of(state, number)
    if isinstance(act, DeadlineExtended):
        raise invalid(
            "decision_number",
            "is an extension notice, a letter and not an act: it has no entry into force "
            "and no objection",
        )
    return act


def is_unfavourable_change(state: CaseState, number: int) -> bool:
    """legal.md §2: a termination (not on the person's own withdrawal), an interruption, or
    an amendment that lowers the hours or shortens the period."""
    act = act_of(state, number)
    if isinstance(act, ServiceTerminated):
        return act.reason is not TerminationReason.WITHDRAWAL
    if isinstance(act, ServiceSuspended):
        return True
    if isinstance(act, GrantAmended):
        before = state.before[number - 1].grant
        return before is not None and is_reduction(before, act.unit, act.hours, act.period_end)
    return False


def latest_grant_act(state: CaseState) -> int | None:
    """The number of the latest act that changed the grant (not an extension notice)."""
    for number in range(len(state.decisions), 0, -1):
        if first_day_of(state.decisions[number - 1]) is not None:
            return number
    return None


@decides(NotifyAct)
def notify(command: NotifyAct, state: CaseState) -> list[BaseModel]:
    """legal.md §6: the day notified, in effect, and the last day for an objection."""
    act = signed_act_of(state, command.decision_number)
    if state.notification(command.decision_number) is not None:
        raise IllegalTransition(f"decision {command.decision_number} is already notified")
    if not act.decided_on <= command.sent_on <= command.today:
        raise invalid(
            "sent_on",
            f"must fall between the decision's date {act.decided_on.isoformat()} and today",
        )
    dates = notification_dates(command.method, command.sent_on, command.transferred_days_off)
    first_day = first_day_of(act)
    # Issue #17 item 5: an unfavourable change has no effect before its entry into force,
    # unless it follows a dated fact the act names.
    dated_fact = getattr(act, "dated_fact", None)
    deferred = None
    if (
        first_day is not None
        and first_day < dates.effective_on
        and dated_fact is None
        and is_unfavourable_change(state, command.decision_number)
        and latest_grant_act(state) == command.decision_number
        and command.decision_number not in state.held_back()
    ):
        deferred = dates.effective_on
    return [
        ActNotified(
            case_id=state.case_id,
            decision_number=command.decision_number,
            act=type(act).__name__,
            act_first_day=first_day,
            method=command.method,
            sent_on=command.sent_on,
            notified_on=dates.notified_on,
            effective_on=dates.effective_on,
            objection_deadline=dates.objection_deadline,
            transferred_days_off=command.transferred_days_off,
            first_day_in_effect=deferred,
            recorded_on=command.today,
        )
    ]


@decides(FileObjection)
def file_objection(command: FileObjection, state: CaseState) -> list[BaseModel]:
    """legal.md §5: an objection suspends the act from the day of filing (APL 80)."""
    number = command.decision_number
    act = signed_act_of(state, number)
    if state.pending_objection(number) is not None:
        raise IllegalTransition(f"an objection against decision {number} is already pending")
    if command.filed_on > command.today:
        raise invalid("filed_on", "may not be after today")
    if command.filed_on < act.decided_on:
        raise invalid("filed_on", f"may not be before the act's date {act.decided_on}")
    notified = state.notification(number)
    if notified is not None and command.filed_on > notified.objection_deadline:
        raise invalid(
            "filed_on",
            f"is after the last day for an objection, {notified.objection_deadline.isoformat()} "
            "(one month from entry into force, APL 79(1))",
            "OBJECTION_TERM_PASSED",
        )
    holds_back = is_unfavourable_change(state, number) and state.status is not CaseStatus.ENDED
    first_day = first_day_of(act)
    restored = None
    held_from = None
    if holds_back:
        if latest_grant_act(state) != number:
            raise IllegalTransition(
                f"later decisions changed the grant after decision {number}: record the "
                "objection against the latest one, or decide the later ones anew"
            )
        assert first_day is not None
        held_from = max(first_day, command.filed_on)
        before = state.before[number - 1].grant
        if isinstance(act, GrantAmended) and before is not None:
            restored = RestoredTerms(
                unit=before.unit,
                hours=before.hours,
                hours_from=before.hours_from,
                period_end=before.period_end,
            )
    return [
        ObjectionFiled(
            case_id=state.case_id,
            objection_id=command.objection_id,
            decision_number=number,
            act=type(act).__name__,
            act_first_day=first_day,
            filed_on=command.filed_on,
            filed_by=command.filed_by,
            holds_back=holds_back,
            held_from=held_from,
            restored=restored,
        )
    ]


@decides(DecideObjection)
def decide_objection(command: DecideObjection, state: CaseState) -> list[BaseModel]:
    """legal.md §5 item 4: apply the body's decision. Upheld or changed: a held-back act
    takes effect from ``effect_from`` (not before the body's decision: no retroactive
    unfavourable effect); revoked: it never does (a revoked refusal reopens the case)."""
    objection = state.objection(command.objection_id)
    if objection is None:
        raise NotFound(f"no objection {command.objection_id} on this case")
    if not objection.pending:
        raise IllegalTransition(f"objection {command.objection_id} is already decided")
    filed = objection.filed
    if not filed.filed_on <= command.decided_on <= command.today:
        raise invalid("decided_on", "must fall between the filing day and today")
    act = act_of(state, filed.decision_number)
    effect_from = None
    stands = command.outcome is not ObjectionOutcome.REVOKED
    if filed.holds_back and stands:
        if command.effect_from is None:
            raise invalid("effect_from", "the act stands: give the first day it has effect")
        if command.effect_from < command.decided_on:
            raise invalid(
                "effect_from",
                f"may not be before the body's decision of {command.decided_on.isoformat()}: "
                "an unfavourable act has no effect before it is notified",
                "RETROACTIVE_UNFAVOURABLE",
            )
        effect_from = command.effect_from
    elif command.outcome is ObjectionOutcome.CHANGED:
        raise invalid(
            "outcome", "`changed` applies to a held-back termination, interruption or reduction"
        )
    if isinstance(act, ApplicationRefused) and command.outcome is ObjectionOutcome.REVOKED:
        require_status(state, {CaseStatus.REFUSED}, "reopen the refused application")
    terms = None
    if isinstance(act, GrantAmended) and effect_from is not None:
        terms = RestoredTerms(
            unit=act.unit, hours=act.hours, hours_from=effect_from, period_end=act.period_end
        )
    return [
        ObjectionDecided(
            case_id=state.case_id,
            objection_id=filed.objection_id,
            decision_number=filed.decision_number,
            act=filed.act,
            outcome=command.outcome,
            decided_on=command.decided_on,
            body_reference=command.body_reference,
            effect_from=effect_from,
            holds_back=filed.holds_back,
            terms=terms,
        )
    ]


@decides(LeaveWithoutProgress)
def leave_without_progress(command: LeaveWithoutProgress, state: CaseState) -> list[BaseModel]:
    """APL 56(1.1), legal.md §6: a defect stops the decision term until it is fixed."""
    require_status(state, {CaseStatus.OPEN}, "leave the application without progress")
    if state.decisions and any(not isinstance(d, DeadlineExtended) for d in state.decisions):
        raise IllegalTransition("the application is already decided")
    if state.defect_pending:
        raise IllegalTransition("the application is already left without progress")
    if command.fix_by < command.today:
        raise invalid("fix_by", "may not be before today")
    return [
        ApplicationLeftWithoutProgress(
            case_id=state.case_id,
            defect=command.defect,
            noted_on=command.today,
            fix_by=command.fix_by,
            note=command.note,
        )
    ]


@decides(FixDefect)
def fix_defect(command: FixDefect, state: CaseState) -> list[BaseModel]:
    """legal.md §6: the one-month decision term runs from the day the defect is fixed."""
    if not state.defect_pending or state.defect is None:
        raise IllegalTransition("the application is not left without progress")
    if not state.defect.noted_on <= command.fixed_on <= command.today:
        raise invalid(
            "fixed_on", f"must fall between {state.defect.noted_on.isoformat()} and today"
        )
    return [
        DefectFixed(
            case_id=state.case_id,
            fixed_on=command.fixed_on,
            decision_deadline=decision_deadline(command.fixed_on),
        )
    ]


@decides(EndCase)
def end_case(command: EndCase, state: CaseState) -> list[BaseModel]:
    """legal.md §2: no act when a grant reaches its end date (it ends by its own term) or
    when the person dies (it lapses); the case closes and assignments end that day."""
    if command.reason is CaseEndReason.PERIOD_ENDED:
        require_status(state, WITH_GRANT, "end the grant at its end date")
        assert state.grant is not None
        end = state.grant.period_end
        if end >= command.today:
            raise IllegalTransition(
                f"the grant runs until {end.isoformat()}: it ends by its own term after that day"
            )
        if state.held_back():
            raise IllegalTransition("an objection is pending: the case stays open until decided")
        return [
            CaseEnded(
                case_id=state.case_id,
                reason=command.reason,
                ended_on=end,
                last_service_day=end,
                recorded_on=command.today,
            )
        ]
    require_status(state, LIVE, "record the death")
    died_on = command.on
    if died_on is None:
        raise invalid("died_on", "give the day of death")
    if died_on > command.today:
        raise invalid("died_on", "may not be after today")
    last_day = state.service_last_day
    ends = died_on if last_day is None else min(died_on, last_day)
    return [
        CaseEnded(
            case_id=state.case_id,
            reason=command.reason,
            ended_on=died_on,
            last_service_day=ends,
            recorded_on=command.today,
        )
    ]


# How each event decided here changes the case (case/state.py ``evolve``).


@evolves(ActNotified)
def act_notified(state: CaseState, event: ActNotified) -> CaseState:
    state = replace(state, notifications=(*state.notifications, event))
    if event.first_day_in_effect is None:
        return state
    act = state.decisions[event.decision_number - 1]
    return apply_act(state, with_first_day(act, event.first_day_in_effect))


@evolves(ObjectionFiled)
def objection_filed(state: CaseState, event: ObjectionFiled) -> CaseState:
    state = replace(state, objections=(*state.objections, Objection(event)))
    if not event.holds_back:
        return state
    # legal.md §5 item 3: back to the terms in force before the act while it is pending.
    before = state.before[event.decision_number - 1]
    return replace(
        state,
        status=before.status,
        grant=before.grant,
        suspension=before.suspension,
        terminated_from=before.terminated_from,
    )


@evolves(ObjectionDecided)
def objection_decided(state: CaseState, event: ObjectionDecided) -> CaseState:
    objections = tuple(
        replace(o, decided=event) if o.filed.objection_id == event.objection_id else o
        for o in state.objections
    )
    state = replace(state, objections=objections)
    act = state.decisions[event.decision_number - 1]
    if event.holds_back and event.effect_from is not None:
        return apply_act(state, with_first_day(act, event.effect_from))
    if isinstance(act, ApplicationRefused) and event.outcome is ObjectionOutcome.REVOKED:
        return replace(state, status=CaseStatus.OPEN)  # to be decided again
    return state


@evolves(ApplicationLeftWithoutProgress)
def left_without_progress(state: CaseState, event: ApplicationLeftWithoutProgress) -> CaseState:
    return replace(state, defect=event, defect_fixed=None)


@evolves(CaseEnded)
def case_ended(state: CaseState, event: CaseEnded) -> CaseState:
    return replace(
        state,
        status=CaseStatus.ENDED,
        ended=event,
        suspension=None,
        terminated_from=event.last_service_day + timedelta(days=1)
        if state.grant is not None
        else None,
    )
