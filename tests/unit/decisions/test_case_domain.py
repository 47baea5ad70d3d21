"""The case of one application: decide(command, state) -> events, and evolve (rules.md §3–5)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.decisions.case.commands import (
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
from services.decisions.case.decide import CaseCommand, decide
from services.decisions.case.grants import AmendGrant
from services.decisions.case.state import CaseState, CaseStatus, evolve
from services.decisions.domain import IllegalTransition, InvalidCommand, NotFound
from shared.contracts.decisions import (
    ApplicationRefused,
    CaseClosed,
    CaseOpened,
    DatedFact,
    DatedFactKind,
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
    ASSESSED,
    DECIDED,
    HEARD,
    LV_2013_START,
    RECEIVED,
    START,
    VALID_UNTIL,
    adult,
    assessed,
    decision,
    granted,
    lv_2013_assessed,
    lv_2013_decision,
    needs,
    open_case,
    purpose,
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


def test_an_lv_2013_adult_gets_the_capped_weekly_hours_for_the_longest_allowed_period() -> None:
    """rules.md §2: decided on 28.06.2021 for a period from 01.07.2021: an LV-2013 decision."""
    [event] = decide(lv_2013_decision(), lv_2013_assessed())
    assert isinstance(event, HoursGranted)
    assert (event.hours, event.unit, event.rule_set) == (Decimal(22), "week", "LV-2013")
    assert [(b.kind, b.claimed, b.granted) for b in event.breakdown] == [
        ("work", 20, 20),
        ("leisure", 5, 2),  # rules.md §4.1: leisure is capped at 2 h
    ]
    # rules.md §2, §4.4: one year at most, and LV-2013 grants end by 31.12.2021.
    assert (event.period_start, event.period_end) == (LV_2013_START, date(2021, 12, 31))
    assert (event.purpose, event.intensity_level, event.needs_assessment) == (None, None, None)


def test_an_lv_2021_adult_gets_monthly_hours_by_purpose_and_intensity() -> None:
    """rules.md §3.1, §4.2a: the assessment is a recorded fact; hours per month."""
    [event] = decide(decision(), assessed())
    assert isinstance(event, HoursGranted)
    assert (event.hours, event.unit, event.rule_set) == (Decimal(80), "month", "LV-2021")
    assert (event.purpose, event.intensity_level, event.breakdown) == ("work_study_sport", 1, [])
    assert event.needs_assessment is not None
    assert (event.needs_assessment.assessor, event.needs_assessment.assessed_on) == (
        "Inga Vanaga",
        ASSESSED,
    )
    assert [(p.purpose, p.hours) for p in event.purpose_hours] == [("work_study_sport", 80)]
    assert (event.period_start, event.period_end) == (START, VALID_UNTIL)  # §4.4
    assert (event.decision_number, event.decided_on, event.decided_late) == (1, DECIDED, False)
    assert event.personal_code == "12038512342"
    assert any("chosen by the decision date" in line for line in event.trace)


def test_an_lv_2021_adult_at_level_two_with_two_purposes_gets_the_highest() -> None:
    facts = adult(
        needs_assessment=needs("intensity_level_2"),
        purposes=[purpose("school_board", "Skolas izziņa"), purpose("work_study_sport")],
    )
    [event] = decide(decision(), assessed(facts))
    assert isinstance(event, HoursGranted)
    assert (event.hours, event.purpose, event.intensity_level) == (160, "work_study_sport", 2)


def test_an_lv_2021_adult_without_the_needs_assessment_is_a_bad_request_naming_it() -> None:
    """Issue #16 bad input: the problem names the missing fact; nothing is decided."""
    with pytest.raises(InvalidCommand) as refused:
        decide(decision(), assessed(adult(needs_assessment=None)))
    assert fields(refused.value) == ["needs_assessment"]
    assert refused.value.errors[0].code == "MISSING_FACT"


def test_an_assessment_dated_after_today_cannot_be_recorded() -> None:
    facts = adult(needs_assessment=needs(on=DECIDED + timedelta(days=1)))
    with pytest.raises(InvalidCommand) as refused:
        decide(RecordAssessment(facts, DECIDED), run([open_case()]))
    assert fields(refused.value) == ["needs_assessment.assessed_on"]
    assert refused.value.errors[0].code == "ASSESSMENT_AFTER_DECISION"


def test_need_not_established_is_refused_and_the_refusal_names_the_assessment() -> None:
    facts = adult(needs_assessment=needs("need_not_established"))
    [event] = decide(decision(), assessed(facts))
    assert isinstance(event, ApplicationRefused)
    assert event.reasons == ["NEED_NOT_ESTABLISHED"]
    assert event.needs_assessment is not None
    assert event.needs_assessment.result == "need_not_established"


def test_a_caseworker_may_grant_fewer_hours_only_with_a_written_reason() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(decision(hours=Decimal(10)), assessed())
    assert fields(refused.value) == ["reduction_reason"]
    [event] = decide(decision(hours=Decimal(10), reduction_reason="Two days a week"), assessed())
    assert isinstance(event, HoursGranted)
    assert (event.hours, event.rules_hours) == (10, 80)
    assert event.reduction_reason == "Two days a week"


def test_a_caseworker_may_never_grant_more_hours_than_the_rules_allow() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(decision(hours=Decimal(81), reduction_reason="x"), assessed())
    assert fields(refused.value) == ["hours"]
    assert refused.value.errors[0].code == "MORE_THAN_RULES_ALLOW"


def test_the_period_may_not_end_after_the_disability_status() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(decision(period_end=VALID_UNTIL + timedelta(days=1)), assessed())
    assert fields(refused.value) == ["period_end"]


def test_every_bad_field_is_named_at_once() -> None:
    too_long = decision(period_end=VALID_UNTIL + timedelta(days=1), hours=Decimal(81))
    with pytest.raises(InvalidCommand) as refused:
        decide(too_long, assessed())
    assert fields(refused.value) == ["period_end", "hours"]


def test_an_lv_2013_period_after_2021_is_a_bad_period_start() -> None:
    """rules.md §2: an LV-2013 decision cannot grant a period after 31.12.2021."""
    with pytest.raises(InvalidCommand) as refused:
        decide(lv_2013_decision(period_start=date(2022, 1, 1)), lv_2013_assessed())
    assert fields(refused.value) == ["period_start"]


def test_group_three_without_a_limitation_is_refused_with_reason_codes_and_legal_basis() -> None:
    facts = adult(disability_group=3, opinion=None, functional_limitations=[])
    [event] = decide(decision(), assessed(facts))
    assert isinstance(event, ApplicationRefused)
    assert event.reasons == ["NOT_SEVERE_DISABILITY", "NO_FUNCTIONAL_LIMITATION"]
    assert "316" in event.legal_basis
    assert event.reason_sections["NOT_SEVERE_DISABILITY"] == "rules.md §3.1, §3.4"
    assert run([decision()], assessed(adult(disability_group=3))).status is CaseStatus.REFUSED


def test_lv_2013_group_three_without_opinion_is_refused_with_both_codes() -> None:
    facts = adult(disability_group=3, opinion=None)
    [event] = decide(lv_2013_decision(), lv_2013_assessed(facts))
    assert isinstance(event, ApplicationRefused)
    assert event.reasons == ["NOT_SEVERE_DISABILITY", "NO_COMMISSION_OPINION"]
    assert "942" in event.legal_basis


def test_lv_2013_vision_group_one_with_benefit_loses_the_first_ten_hours() -> None:
    facts = adult(disability_group=1, vision_disability=True, receives_vision_benefit=True)
    [event] = decide(lv_2013_decision(), lv_2013_assessed(facts))
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
        "hearing": HEARD,
    }
    return AmendGrant(**(fields | changes))  # type: ignore[arg-type]


def test_an_amendment_is_reassessed_on_new_facts_from_its_effective_date() -> None:
    facts = adult(purposes=[purpose("school_board", "Skolas izziņa")])
    recorded, amended = decide(amendment(facts=facts), granted())
    assert isinstance(amended, GrantAmended)
    assert (amended.hours, amended.effective_from, amended.decision_number) == (
        60,
        date(2026, 6, 1),
        2,
    )
    assert (amended.unit, amended.purpose, amended.intensity_level) == ("month", "school_board", 1)
    state = run([amendment(facts=facts)], granted())
    assert state.grant is not None
    assert (state.grant.hours, state.grant.period_start, state.grant.hours_from) == (
        60,
        START,
        date(2026, 6, 1),
    )
    assert state.assessment == recorded


def test_an_amendment_keeps_the_limits_of_a_decision() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(amendment(hours=Decimal(81), reduction_reason="x"), granted())
    assert fields(refused.value) == ["hours"]
    with pytest.raises(InvalidCommand) as outside:
        decide(amendment(effective_from=date(2030, 1, 1)), granted())
    assert fields(outside.value) == ["effective_from"]


def test_an_amendment_on_facts_that_end_eligibility_is_refused_in_favour_of_termination() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(amendment(facts=adult(residence="prison")), granted())
    assert fields(refused.value) == ["assessment"]


def test_an_amendment_with_an_assessment_made_later_than_today_names_it() -> None:
    late = adult(needs_assessment=needs(on=date(2026, 5, 21)))
    with pytest.raises(InvalidCommand) as refused:
        decide(amendment(facts=late), granted())
    assert fields(refused.value) == ["assessment.needs_assessment.assessed_on"]


def test_a_hospital_stay_suspends_the_grant_and_its_end_resumes_it() -> None:
    # Decided the day after the stay began: it reaches back to the stay, a dated fact.
    stay = DatedFact(kind=DatedFactKind.HOSPITAL_STAY, on=date(2026, 5, 1), source="Slimnīca")
    suspend = SuspendService(
        SuspensionReason.INPATIENT,
        date(2026, 5, 1),
        "",
        date(2026, 5, 2),
        hearing=HEARD,
        dated_fact=stay,
    )
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
    suspend = SuspendService(
        SuspensionReason.PRISON, date(2026, 5, 1), "", date(2026, 5, 1), hearing=HEARD
    )
    with pytest.raises(IllegalTransition):
        decide(suspend, assessed())
    with pytest.raises(IllegalTransition):
        decide(suspend, run([suspend], granted()))


def test_a_resumption_before_the_stay_began_is_a_bad_date() -> None:
    suspend = SuspendService(
        SuspensionReason.PRISON, date(2026, 5, 1), "", date(2026, 5, 1), hearing=HEARD
    )
    with pytest.raises(InvalidCommand) as refused:
        decide(ResumeService(date(2026, 4, 30), "", DECIDED), run([suspend], granted()))
    assert fields(refused.value) == ["resumed_on"]


def test_a_terminated_grant_can_no_longer_change() -> None:
    end = TerminateService(
        TerminationReason.MOVED, date(2026, 7, 1), "", date(2026, 6, 20), hearing=HEARD
    )
    state = run([end], granted())
    assert (state.status, state.service_last_day) == (CaseStatus.TERMINATED, date(2026, 6, 30))
    for command in (end, amendment()):
        with pytest.raises(IllegalTransition):
            decide(command, state)


def test_a_termination_after_the_day_after_the_period_is_a_bad_date() -> None:
    late = VALID_UNTIL + timedelta(days=2)
    end = TerminateService(TerminationReason.PERIOD_ENDED, late, "", DECIDED, hearing=HEARD)
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
        SuspendService(
            SuspensionReason.LONG_TERM_CARE, date(2026, 7, 1), "", DECIDED, hearing=HEARD
        ),
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
