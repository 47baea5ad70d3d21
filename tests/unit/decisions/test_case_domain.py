"""The case of one application: decide(command, state) -> events, and evolve (rules.md §3–5)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.decisions.case_commands import (
    AmendGrant,
    CaseCommand,
    CloseTask,
    MarkOverdue,
    OpenTask,
    RecordAssessment,
    RecordDocument,
    RequestInformation,
    ResumeService,
    SuspendService,
    TerminateService,
    WithdrawApplication,
)
from services.decisions.case_domain import decide
from services.decisions.case_state import CaseState, CaseStatus, evolve
from services.decisions.domain import IllegalTransition, InvalidCommand, NotFound
from services.decisions.grant_terms import VerifiedActivityInput
from shared.contracts.decisions import (
    ApplicationRefused,
    CaseClosed,
    CaseOpened,
    DecisionOverdue,
    GrantAmended,
    HoursGranted,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
    SuspensionReason,
    TaskClosed,
    TaskOpened,
    TerminationReason,
)
from tests.unit.decisions.builders import (
    DECIDED,
    RECEIVED,
    START,
    VALID_UNTIL,
    adult,
    assessed,
    decision,
    granted,
    open_case,
    replay,
    run,
)


def fields(error: InvalidCommand) -> list[str]:
    return [e.field for e in error.errors]


# ---- opening and recording --------------------------------------------------------------


def test_an_application_opens_a_case_with_the_deadline_one_month_later() -> None:
    [event] = decide(open_case(), CaseState())
    assert isinstance(event, CaseOpened)
    assert (event.case_id, event.decision_deadline) == ("app-1", date(2026, 4, 2))


def test_a_deadline_on_a_weekend_moves_to_the_next_working_day() -> None:
    [event] = decide(open_case(received_on=date(2026, 1, 31)), CaseState())
    assert isinstance(event, CaseOpened)
    assert event.decision_deadline == date(2026, 3, 2)  # 28 Feb is a Saturday (rules.md §5.4)


def test_the_same_application_delivered_again_opens_no_second_case() -> None:
    assert decide(open_case(), run([open_case()])) == []


def test_commands_on_a_case_that_was_never_opened_are_not_found() -> None:
    with pytest.raises(NotFound):
        decide(decision(), CaseState())


def test_a_document_delivered_twice_is_recorded_once() -> None:
    document = RecordDocument("d1", "commission_opinion", "Atzinums", "ab" * 32, "s3://x", RECEIVED)
    state = run([open_case(), document])
    assert decide(document, state) == []
    assert [d.document_id for d in state.documents] == ["d1"]


def test_requesting_information_does_not_move_the_deadline() -> None:
    before = run([open_case()])
    after = run([RequestInformation("r1", "VDEĀVK", "opinion", RECEIVED)], before)
    assert after.opened == before.opened  # the deadline lives in CaseOpened, unchanged
    assert [r.institution for r in after.information_requests] == ["VDEĀVK"]


def test_a_reported_change_opens_a_task_once_and_it_can_be_closed_once() -> None:
    report = OpenTask("t1", "inpatient", "hospital", RECEIVED, None, "t1")
    state = run([open_case(), report])
    assert decide(report, state) == []
    [closed] = decide(CloseTask("t1", "suspended", DECIDED), state)
    assert isinstance(closed, TaskClosed)
    state = run([CloseTask("t1", "suspended", DECIDED)], state)
    with pytest.raises(IllegalTransition):
        decide(CloseTask("t1", "again", DECIDED), state)
    with pytest.raises(NotFound):
        decide(CloseTask("t2", "no such task", DECIDED), state)


def test_a_task_event_carries_the_report_it_came_from() -> None:
    [event] = decide(OpenTask("t1", "prison", "", RECEIVED, None, "t1"), run([open_case()]))
    assert isinstance(event, TaskOpened) and event.source_report_id == "t1"


# ---- deciding -----------------------------------------------------------------------------


def test_deciding_needs_a_recorded_assessment() -> None:
    with pytest.raises(IllegalTransition, match="assessment"):
        decide(decision(), run([open_case()]))


def test_an_eligible_adult_gets_the_capped_hours_for_the_longest_allowed_period() -> None:
    [event] = decide(decision(), assessed())
    assert isinstance(event, HoursGranted)
    assert (event.hours, event.unit, event.rule_set) == (Decimal(22), "week", "LV-2021")
    assert [(b.kind, b.claimed, b.granted) for b in event.breakdown] == [
        ("work", 20, 20),
        ("leisure", 5, 2),  # rules.md §4.1: leisure is capped at 2 h
    ]
    assert (event.period_start, event.period_end) == (START, VALID_UNTIL)  # §4.4
    assert (event.decision_number, event.decided_on, event.decided_late) == (1, DECIDED, False)
    assert event.personal_code == "12038512342"


def test_a_caseworker_may_grant_fewer_hours_only_with_a_written_reason() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(decision(hours=Decimal(10)), assessed())
    assert fields(refused.value) == ["reduction_reason"]
    [event] = decide(decision(hours=Decimal(10), reduction_reason="Two days a week"), assessed())
    assert isinstance(event, HoursGranted)
    assert (event.hours, event.rules_hours) == (10, 22)
    assert event.reduction_reason == "Two days a week"


def test_a_caseworker_may_never_grant_more_hours_than_the_rules_allow() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(decision(hours=Decimal(23), reduction_reason="x"), assessed())
    assert fields(refused.value) == ["hours"]
    assert refused.value.errors[0].code == "MORE_THAN_RULES_ALLOW"


def test_the_period_may_not_end_after_the_disability_status() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(decision(period_end=VALID_UNTIL + timedelta(days=1)), assessed())
    assert fields(refused.value) == ["period_end"]


def test_every_bad_field_is_named_at_once() -> None:
    too_long = decision(period_end=VALID_UNTIL + timedelta(days=1), hours=Decimal(50))
    with pytest.raises(InvalidCommand) as refused:
        decide(too_long, assessed())
    assert fields(refused.value) == ["period_end", "hours"]


def test_a_period_before_every_rule_set_is_a_bad_period_start() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(decision(period_start=date(2012, 12, 31)), assessed())
    assert fields(refused.value) == ["period_start"]


def test_group_three_without_opinion_is_refused_with_reason_codes_and_legal_basis() -> None:
    [event] = decide(decision(), assessed(adult(disability_group=3, opinion=None)))
    assert isinstance(event, ApplicationRefused)
    assert event.reasons == ["NOT_SEVERE_DISABILITY", "NO_COMMISSION_OPINION"]
    assert "316" in event.legal_basis
    assert event.reason_sections["NOT_SEVERE_DISABILITY"] == "rules.md §3.1, §3.4"
    assert run([decision()], assessed(adult(disability_group=3))).status is CaseStatus.REFUSED


def test_vision_group_one_with_benefit_loses_the_first_ten_hours() -> None:
    facts = adult(disability_group=1, vision_disability=True, receives_vision_benefit=True)
    [event] = decide(decision(), assessed(facts))
    assert isinstance(event, HoursGranted)
    assert (event.need_hours, event.hours, event.vision_group) == (22, 12, True)


def test_a_child_under_lv_2021_gets_eighty_hours_a_month_whatever_the_activities() -> None:
    facts = adult(disability_group=None, opinion="special_care", activities=[])
    state = assessed(facts, birth_date=date(2016, 5, 1))
    [event] = decide(decision(), state)
    assert isinstance(event, HoursGranted)
    assert (event.hours, event.unit, event.breakdown) == (80, "month", [])
    assert event.period_end == date(2027, 12, 31)  # the disability status ends first


def test_a_decision_after_the_deadline_is_marked_late() -> None:
    [event] = decide(decision(today=date(2026, 4, 3)), assessed())
    assert isinstance(event, HoursGranted) and event.decided_late


def test_a_decided_application_cannot_be_decided_again() -> None:
    with pytest.raises(IllegalTransition):
        decide(decision(), granted())


# ---- changes ------------------------------------------------------------------------------


def amendment(**changes: object) -> AmendGrant:
    fields = {
        "effective_from": date(2026, 6, 1),
        "period_end": None,
        "hours": None,
        "reduction_reason": None,
        "reason": "Works part-time",
        "facts": None,
        "today": date(2026, 5, 20),
    }
    return AmendGrant(**(fields | changes))  # type: ignore[arg-type]


def test_an_amendment_is_reassessed_on_new_facts_from_its_effective_date() -> None:
    facts = adult(activities=[VerifiedActivityInput(kind="work", hours_per_week=Decimal(10))])
    recorded, amended = decide(amendment(facts=facts), granted())
    assert isinstance(amended, GrantAmended)
    assert (amended.hours, amended.effective_from, amended.decision_number) == (
        10,
        date(2026, 6, 1),
        2,
    )
    state = run([amendment(facts=facts)], granted())
    assert state.grant is not None
    assert (state.grant.hours, state.grant.period_start, state.grant.hours_from) == (
        10,
        START,
        date(2026, 6, 1),
    )
    assert state.assessment == recorded


def test_an_amendment_keeps_the_limits_of_a_decision() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(amendment(hours=Decimal(30), reduction_reason="x"), granted())
    assert fields(refused.value) == ["hours"]
    with pytest.raises(InvalidCommand) as outside:
        decide(amendment(effective_from=date(2030, 1, 1)), granted())
    assert fields(outside.value) == ["effective_from"]


def test_an_amendment_on_facts_that_end_eligibility_is_refused_in_favour_of_termination() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(amendment(facts=adult(residence="prison")), granted())
    assert fields(refused.value) == ["assessment"]


def test_a_hospital_stay_suspends_the_grant_and_its_end_resumes_it() -> None:
    suspend = SuspendService(SuspensionReason.INPATIENT, date(2026, 5, 1), "", date(2026, 5, 2))
    state = run([suspend], granted())
    assert state.status is CaseStatus.SUSPENDED
    assert isinstance(state.decisions[-1], ServiceSuspended)
    state = run([ResumeService(date(2026, 5, 10), "", date(2026, 5, 10))], state)
    assert state.status is CaseStatus.GRANTED
    assert isinstance(state.decisions[-1], ServiceResumed)
    assert [d.decision_number for d in state.decisions] == [1, 2, 3]


def test_only_a_granted_service_is_suspended_and_only_a_suspended_one_resumed() -> None:
    resume = ResumeService(date(2026, 5, 10), "", date(2026, 5, 10))
    with pytest.raises(IllegalTransition):
        decide(resume, granted())
    suspend = SuspendService(SuspensionReason.PRISON, date(2026, 5, 1), "", date(2026, 5, 1))
    with pytest.raises(IllegalTransition):
        decide(suspend, assessed())
    with pytest.raises(IllegalTransition):
        decide(suspend, run([suspend], granted()))


def test_a_resumption_before_the_stay_began_is_a_bad_date() -> None:
    suspend = SuspendService(SuspensionReason.PRISON, date(2026, 5, 1), "", date(2026, 5, 1))
    with pytest.raises(InvalidCommand) as refused:
        decide(ResumeService(date(2026, 4, 30), "", DECIDED), run([suspend], granted()))
    assert fields(refused.value) == ["resumed_on"]


def test_a_terminated_grant_can_no_longer_change() -> None:
    end = TerminateService(TerminationReason.MOVED, date(2026, 7, 1), "", date(2026, 6, 20))
    state = run([end], granted())
    assert (state.status, state.service_last_day) == (CaseStatus.TERMINATED, date(2026, 6, 30))
    for command in (end, amendment()):
        with pytest.raises(IllegalTransition):
            decide(command, state)


def test_a_termination_after_the_day_after_the_period_is_a_bad_date() -> None:
    late = VALID_UNTIL + timedelta(days=2)
    end = TerminateService(TerminationReason.PERIOD_ENDED, late, "", DECIDED)
    with pytest.raises(InvalidCommand):
        decide(end, granted())


def test_a_withdrawal_before_the_decision_closes_the_case() -> None:
    [event] = decide(WithdrawApplication(RECEIVED, DECIDED), run([open_case()]))
    assert isinstance(event, CaseClosed) and event.reason == "withdrawn"


def test_a_withdrawal_after_the_grant_terminates_it_from_the_withdrawal_day() -> None:
    [event] = decide(WithdrawApplication(date(2026, 5, 5), date(2026, 5, 6)), granted())
    assert isinstance(event, ServiceTerminated)
    assert (event.reason, event.terminated_from) == (TerminationReason.WITHDRAWAL, date(2026, 5, 5))


def test_a_withdrawal_after_a_refusal_changes_nothing() -> None:
    refused = run([decision()], assessed(adult(disability_group=3)))
    assert decide(WithdrawApplication(DECIDED, DECIDED), refused) == []


# ---- overdue ------------------------------------------------------------------------------


def test_an_undecided_case_is_reported_overdue_once_the_day_after_its_deadline() -> None:
    state = run([open_case()])
    assert decide(MarkOverdue(date(2026, 4, 2)), state) == []  # the deadline day itself
    [event] = decide(MarkOverdue(date(2026, 4, 3)), state)
    assert isinstance(event, DecisionOverdue)
    assert (event.decision_deadline, event.detected_on) == (date(2026, 4, 2), date(2026, 4, 3))
    assert decide(MarkOverdue(date(2026, 5, 1)), run([MarkOverdue(date(2026, 4, 3))], state)) == []


def test_a_decided_or_withdrawn_case_is_never_reported_overdue() -> None:
    assert decide(MarkOverdue(date(2027, 1, 1)), granted()) == []
    withdrawn = run([open_case(), WithdrawApplication(RECEIVED, RECEIVED)])
    assert decide(MarkOverdue(date(2027, 1, 1)), withdrawn) == []


# ---- evolve -------------------------------------------------------------------------------


def test_replaying_the_events_gives_the_state_the_commands_built() -> None:
    commands: list[CaseCommand] = [
        open_case(),
        OpenTask("t1", "moved_residence", "", RECEIVED, None, "t1"),
        RequestInformation("r1", "VID", "income", RECEIVED),
        RecordAssessment(adult(), DECIDED),
        decision(),
        amendment(),
        SuspendService(SuspensionReason.LONG_TERM_CARE, date(2026, 7, 1), "", DECIDED),
        CloseTask("t1", "suspended", DECIDED),
    ]
    state, events = CaseState(), []
    for command in commands:
        new = decide(command, state)
        events += new
        for event in new:
            state = evolve(state, event)
    assert replay(events) == state
    assert state.status is CaseStatus.SUSPENDED
    assert [type(d).__name__ for d in state.decisions] == [
        "HoursGranted",
        "GrantAmended",
        "ServiceSuspended",
    ]
