"""Issue #17, the pure domain: the hearing, no retroactive unfavourable effect, notification
and entry into force, objections, defects and ends without an act (legal.md §2–§6)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.decisions.case.after_signature import (
    DecideObjection,
    EndCase,
    FileObjection,
    FixDefect,
    LeaveWithoutProgress,
    NotifyAct,
)
from services.decisions.case.commands import ExtendDeadline, MarkOverdue, TerminateService
from services.decisions.case.decide import decide
from services.decisions.case.grants import AmendGrant
from services.decisions.case.hearing import HearingRecord, MissingStep
from services.decisions.case.state import (
    DECISION_TYPES,
    FIRST_DAY_FIELDS,
    CaseState,
    CaseStatus,
    first_day_of,
    with_first_day,
)
from services.decisions.domain import IllegalTransition, InvalidCommand
from shared.contracts.decisions import (
    ActNotified,
    CaseEnded,
    CaseEndReason,
    DefectKind,
    HearingException,
    HearingExceptionReason,
    ObjectionFiled,
    ObjectionOutcome,
    TerminationReason,
)
from shared.rules import decision_deadline
from shared.rules.notification import NotificationMethod
from tests.unit.decisions.builders import (
    DECIDED,
    HEARD,
    assessed,
    decision,
    granted,
    open_case,
    run,
)

LATER = date(2026, 5, 4)  # the day the changes are decided (a Monday)


def terminate(
    first_day: date, hearing: HearingRecord = HEARD, **changes: object
) -> TerminateService:
    reason = changes.pop("reason", TerminationReason.NOT_USED)
    return TerminateService(reason, first_day, "", LATER, hearing=hearing)  # type: ignore[arg-type]


def test_a_termination_without_a_hearing_is_refused_naming_the_step() -> None:
    with pytest.raises(MissingStep) as refused:
        decide(terminate(date(2026, 6, 1), HearingRecord()), granted())
    assert refused.value.step == "hearing"


def test_the_persons_own_withdrawal_needs_no_hearing() -> None:
    withdrawal = terminate(date(2026, 6, 1), HearingRecord(), reason=TerminationReason.WITHDRAWAL)
    state = run([withdrawal], granted())
    assert state.status is CaseStatus.TERMINATED


def test_a_named_exception_replaces_the_hearing() -> None:
    exception = HearingException(
        reason=HearingExceptionReason.UNREACHABLE, explanation="Vēstules atgrieztas"
    )
    state = run([terminate(date(2026, 6, 1), HearingRecord(exception=exception))], granted())
    assert state.decisions[-1].hearing_exception == exception  # type: ignore[union-attr]


def test_a_refusal_without_a_hearing_is_refused_naming_the_step() -> None:
    from tests.unit.decisions.builders import adult

    state = assessed(adult(disability_group=3, functional_limitations=[]))
    with pytest.raises(MissingStep):
        decide(decision(hearing=HearingRecord()), state)


def test_a_reducing_amendment_needs_a_hearing_a_raising_one_does_not() -> None:
    amend = AmendGrant(date(2026, 6, 1), None, Decimal(40), "Mazāk", "Darba laiks", None, LATER)
    with pytest.raises(MissingStep):
        decide(amend, granted(hours=Decimal(60), reduction_reason="Mazāk"))
    same = AmendGrant(date(2026, 6, 1), None, Decimal(70), "Mazāk", "Jauns darbs", None, LATER)
    state = run([same], granted(hours=Decimal(60), reduction_reason="Mazāk"))
    assert state.grant is not None and state.grant.hours == Decimal(70)


def test_a_termination_before_its_decision_needs_a_dated_fact() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(terminate(LATER - timedelta(days=1)), granted())
    assert refused.value.errors[0].code == "RETROACTIVE_UNFAVOURABLE"


def test_a_grant_never_starts_before_the_application_was_received() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(decision(period_start=date(2026, 3, 1)), assessed())
    assert refused.value.errors[0].field == "period_start"


def test_a_termination_notified_after_its_first_day_takes_effect_when_notified() -> None:
    """Decided 4 May from 5 May; a registered letter posted on 4 May is notified on 11 May:
    the termination takes effect that day, not before (issue #17 item 5)."""
    state = run([terminate(date(2026, 5, 5))], granted())
    notify = NotifyAct(2, NotificationMethod.REGISTERED_LETTER, LATER, False, LATER)
    [event] = decide(notify, state)
    assert isinstance(event, ActNotified)
    assert (event.notified_on, event.first_day_in_effect) == (date(2026, 5, 11), date(2026, 5, 11))
    assert event.objection_deadline == date(2026, 6, 11)
    after = run([notify], state)
    assert after.terminated_from == date(2026, 5, 11)


def held_back_state() -> tuple[CaseState, ObjectionFiled]:
    state = run([terminate(date(2026, 6, 1))], granted())
    [filed] = decide(FileObjection("o1", 2, LATER, "Persona", LATER), state)
    assert isinstance(filed, ObjectionFiled)
    return run([FileObjection("o1", 2, LATER, "Persona", LATER)], state), filed


def test_a_pending_objection_holds_a_termination_back() -> None:
    state, filed = held_back_state()
    assert filed.holds_back and filed.held_from == date(2026, 6, 1)
    assert state.status is CaseStatus.GRANTED and state.terminated_from is None
    assert state.held_back() == (2,)


@pytest.mark.parametrize(
    ("outcome", "status", "terminated_from"),
    [
        (ObjectionOutcome.UPHELD, CaseStatus.TERMINATED, date(2026, 6, 15)),
        (ObjectionOutcome.CHANGED, CaseStatus.TERMINATED, date(2026, 6, 15)),
        (ObjectionOutcome.REVOKED, CaseStatus.GRANTED, None),
    ],
)
def test_the_body_decides_and_it_is_applied(
    outcome: ObjectionOutcome, status: CaseStatus, terminated_from: date | None
) -> None:
    state, _ = held_back_state()
    effect = None if outcome is ObjectionOutcome.REVOKED else date(2026, 6, 15)
    body = DecideObjection(
        "o1", outcome, date(2026, 6, 10), "Domes lēmums Nr. 5", effect, date(2026, 6, 10)
    )
    after = run([body], state)
    assert (after.status, after.terminated_from) == (status, terminated_from)
    assert after.held_back() == ()


def test_an_upheld_act_does_not_reach_back_before_the_body_decided() -> None:
    state, _ = held_back_state()
    body = DecideObjection(
        "o1",
        ObjectionOutcome.UPHELD,
        date(2026, 6, 10),
        "Nr. 5",
        date(2026, 6, 1),
        date(2026, 6, 10),
    )
    with pytest.raises(InvalidCommand) as refused:
        decide(body, state)
    assert refused.value.errors[0].field == "effect_from"


def test_an_objection_after_its_term_is_refused() -> None:
    state = run([terminate(date(2026, 6, 1))], granted())
    state = run([NotifyAct(2, NotificationMethod.IN_PERSON, LATER, False, LATER)], state)
    late = FileObjection("o1", 2, date(2026, 6, 5), "Persona", date(2026, 6, 8))
    with pytest.raises(InvalidCommand) as refused:
        decide(late, state)
    assert refused.value.errors[0].code == "OBJECTION_TERM_PASSED"


def test_a_contested_grant_or_refusal_holds_nothing_back() -> None:
    [filed] = decide(FileObjection("o1", 1, DECIDED, "Persona", DECIDED), granted())
    assert isinstance(filed, ObjectionFiled) and not filed.holds_back


def test_a_defect_stops_the_term_until_it_is_fixed() -> None:
    state = assessed()  # received 2 March 2026
    state = run([LeaveWithoutProgress(DefectKind.UNSIGNED, date(2026, 3, 30), "", DECIDED)], state)
    assert decide(MarkOverdue(date(2026, 4, 20)), state) == [], "past 2 April, but stopped"
    with pytest.raises(IllegalTransition):
        decide(decision(), state)
    fixed_on = date(2026, 3, 23)
    state = run([FixDefect(fixed_on, date(2026, 3, 24))], state)
    assert state.deadline == decision_deadline(fixed_on) == date(2026, 4, 23)
    assert decide(MarkOverdue(date(2026, 4, 23)), state) == []
    assert decide(MarkOverdue(date(2026, 4, 24)), state) != []


def test_a_grant_ends_by_its_own_term_and_death_ends_it_without_an_act() -> None:
    end = date(2026, 12, 31)
    state = granted(period_end=end)
    with pytest.raises(IllegalTransition):
        decide(EndCase(CaseEndReason.PERIOD_ENDED, None, end), state)
    [ended] = decide(EndCase(CaseEndReason.PERIOD_ENDED, None, end + timedelta(days=1)), state)
    assert isinstance(ended, CaseEnded) and ended.last_service_day == end
    died = run([EndCase(CaseEndReason.DEATH, date(2026, 7, 3), date(2026, 7, 6))], state)
    assert died.status is CaseStatus.ENDED and len(died.decisions) == 1
    assert died.service_last_day == date(2026, 7, 3)


def test_the_act_names_the_exception_and_the_dated_fact() -> None:
    from services.decisions.documents import model as documents
    from services.decisions.documents import render as document_render
    from shared.contracts.decisions import DatedFact, DatedFactKind
    from shared.municipalities import ACTS_DATA, MUNICIPALITIES

    exception = HearingException(
        reason=HearingExceptionReason.UNREACHABLE, explanation="Vēstules atgrieztas"
    )
    moved = DatedFact(
        kind=DatedFactKind.RESIDENCE_MOVED, on=date(2026, 5, 1), source="Iedzīvotāju reģistrs"
    )
    command = TerminateService(
        TerminationReason.MOVED,
        date(2026, 5, 1),
        "",
        LATER,
        hearing=HearingRecord(exception=exception),
        dated_fact=moved,
    )
    state = run([command], granted())
    doc = documents.build(MUNICIPALITIES["daugavpils"], ACTS_DATA["daugavpils"], state, 2)
    text = document_render.render_text(doc)
    assert (
        "Personas viedoklis nav noskaidrots, jo personu nav iespējams sasniegt nevienā zināmajā "
        "adresē (Administratīvā procesa likuma 62. panta otrā daļa): Vēstules atgrieztas."
    ) in text
    assert (
        "Lēmums piemērojams no datēta fakta: deklarētās dzīvesvietas maiņa no 2026. gada "
        "1. maija (avots: Iedzīvotāju reģistrs)."
    ) in text


def test_each_act_that_changes_a_grant_names_a_date_field_as_its_first_day() -> None:
    assert set(FIRST_DAY_FIELDS) < set(DECISION_TYPES)
    for act, field in FIRST_DAY_FIELDS.items():
        assert act.model_fields[field].annotation is date, act.__name__


def test_an_acts_first_day_is_read_and_moved_at_its_own_field() -> None:
    state = run([terminate(date(2026, 6, 1))], granted())
    termination, grant = state.decisions[-1], state.decisions[0]
    assert first_day_of(termination) == date(2026, 6, 1)
    moved = with_first_day(termination, date(2026, 6, 15))
    assert moved.terminated_from == date(2026, 6, 15)  # type: ignore[union-attr]
    assert first_day_of(grant) is None  # a grant changes no grant in force
    assert with_first_day(grant, date(2026, 6, 15)) is grant


def test_an_extension_notice_is_neither_notified_as_an_act_nor_contested() -> None:
    today = date(2026, 3, 20)
    state = run([open_case(), ExtendDeadline(date(2026, 5, 29), "gaidām atzinumu", today)])
    notify = NotifyAct(1, NotificationMethod.IN_PERSON, today, False, today)
    contest = FileObjection("o-1", 1, today, "klients", today)
    for command in (notify, contest):
        with pytest.raises(InvalidCommand) as refused:
            decide(command, state)
        [error] = refused.value.errors
        assert error.field == "decision_number"
        assert "extension notice" in error.message
