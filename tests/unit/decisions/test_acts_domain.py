"""Issue #13 in the pure case domain: the deadline extension (APL 64(2)), the residence
refusal (rules.md §3.5) and the LV-2013 period kinds (rules.md §4.4)."""

from __future__ import annotations

from datetime import date

import pytest

from services.decisions.case.commands import ExtendDeadline, ForwardApplication, MarkOverdue
from services.decisions.case.decide import decide
from services.decisions.case.grants import RefuseForResidence
from services.decisions.case.state import CaseStatus
from services.decisions.domain import IllegalTransition, InvalidCommand
from shared.contracts.decisions import (
    ApplicationForwarded,
    ApplicationRefused,
    CaseClosed,
    CloseReason,
    DeadlineExtended,
    HoursGranted,
)
from shared.rules import PeriodKind, RefusalReason, RuleSetId
from tests.unit.decisions.builders import (
    HEARD,
    LV_2013_START,
    assessed,
    decision,
    lv_2013_assessed,
    lv_2013_decision,
    open_case,
    replay,
    run,
)

# builders: received Monday 2 March 2026, deadline Thursday 2 April 2026.
DEADLINE = date(2026, 4, 2)
FOUR_MONTHS = date(2026, 7, 2)  # a Thursday


def field_errors(error: pytest.ExceptionInfo[InvalidCommand]) -> dict[str, str | None]:
    return {e.field: e.code for e in error.value.errors}


def test_an_extension_moves_the_deadline_and_is_numbered_like_a_decision() -> None:
    state = run([open_case(), ExtendDeadline(date(2026, 5, 29), "gaidām atzinumu", DEADLINE)])
    notice = state.decisions[-1]
    assert isinstance(notice, DeadlineExtended)
    assert notice.previous_deadline == DEADLINE and notice.new_deadline == date(2026, 5, 29)
    assert notice.decision_number == 1 and state.deadline == date(2026, 5, 29)
    assert state.status is CaseStatus.OPEN


def test_overdue_checks_use_the_extended_deadline() -> None:
    extended = run([open_case(), ExtendDeadline(date(2026, 5, 29), "gaidām", date(2026, 3, 20))])
    assert run([MarkOverdue(date(2026, 4, 10))], extended).overdue is None
    assert run([MarkOverdue(date(2026, 4, 10))], run([open_case()])).overdue is not None
    late = run([MarkOverdue(date(2026, 6, 1))], extended).overdue
    assert late is not None and late.decision_deadline == date(2026, 5, 29)


def test_a_decision_within_the_extended_deadline_is_not_late() -> None:
    state = assessed()
    state = run([ExtendDeadline(date(2026, 5, 29), "gaidām", date(2026, 3, 20))], state)
    granted = run([decision(today=date(2026, 5, 20), period_start=date(2026, 6, 1))], state)
    grant = granted.decisions[-1]
    assert isinstance(grant, HoursGranted) and grant.decided_late is False


def test_an_extension_reaches_at_most_four_months_from_receipt() -> None:
    at_most = run([open_case(), ExtendDeadline(FOUR_MONTHS, "gaidām", DEADLINE)])
    assert at_most.deadline == FOUR_MONTHS
    with pytest.raises(InvalidCommand) as error:
        run([open_case(), ExtendDeadline(date(2026, 7, 3), "gaidām", DEADLINE)])
    assert field_errors(error) == {"new_deadline": "EXTENSION_NOT_ALLOWED"}


def test_an_extension_must_come_before_the_deadline_expires_and_move_it_later() -> None:
    with pytest.raises(IllegalTransition, match="has passed"):
        run([open_case(), ExtendDeadline(date(2026, 5, 29), "gaidām", date(2026, 4, 3))])
    with pytest.raises(InvalidCommand) as error:
        run([open_case(), ExtendDeadline(DEADLINE, "gaidām", date(2026, 3, 20))])
    assert field_errors(error) == {"new_deadline": "EXTENSION_NOT_ALLOWED"}


def test_a_decided_case_takes_no_extension() -> None:
    state = run([decision()], assessed())
    with pytest.raises(IllegalTransition):
        run([ExtendDeadline(date(2026, 5, 29), "gaidām", date(2026, 3, 21))], state)


def test_residence_in_another_municipality_is_refused_with_its_own_code() -> None:
    state = run(
        [
            open_case(),
            RefuseForResidence(
                "ludza", date(2026, 3, 20), person_view="dzīvo Ludzā", hearing=HEARD
            ),
        ]
    )
    refusal = state.decisions[-1]
    assert isinstance(refusal, ApplicationRefused) and state.status is CaseStatus.REFUSED
    assert refusal.reasons == [RefusalReason.RESIDENCE_ELSEWHERE]
    assert refusal.reason_sections == {"RESIDENCE_ELSEWHERE": "rules.md §3.5"}
    assert refusal.declared_municipality == "ludza" and refusal.person_view == "dzīvo Ludzā"
    assert refusal.rule_set is RuleSetId.LV_2021 and "316" in refusal.legal_basis


def test_a_residence_refusal_names_a_real_other_municipality() -> None:
    for other, code in (("daugavpils", "RESIDENCE_HERE"), ("atlantis", None)):
        with pytest.raises(InvalidCommand) as error:
            run([open_case(), RefuseForResidence(other, date(2026, 3, 20), hearing=HEARD)])
        assert field_errors(error) == {"declared_municipality": code}


def test_an_lv_2013_decision_names_its_period_kind() -> None:
    kinds = {
        date(2021, 7, 1): (PeriodKind.ONE_TIME, None),
        date(2021, 7, 31): (PeriodKind.ONE_MONTH, None),
        date(2021, 9, 30): (PeriodKind.SEVERAL_MONTHS, 3),
        # LV-2013 grants end by 31.12.2021 (rules.md §2): "one year" is cut there too, and
        # the first kind that gives the end is named.
        date(2021, 12, 31): (PeriodKind.END_OF_YEAR, None),
    }
    for end, (kind, months) in kinds.items():
        state = run([lv_2013_decision(period_end=end)], lv_2013_assessed())
        grant = state.decisions[-1]
        assert isinstance(grant, HoursGranted)
        assert (grant.period_kind, grant.period_months) == (kind, months), end


def test_an_lv_2013_end_that_fits_no_kind_is_refused_with_a_clear_error() -> None:
    with pytest.raises(InvalidCommand) as error:
        run([lv_2013_decision(period_end=date(2021, 7, 20))], lv_2013_assessed())
    assert field_errors(error) == {"period_end": "PERIOD_KIND_UNKNOWN"}
    assert "one day, one month, several months" in error.value.errors[0].message
    assert LV_2013_START.isoformat() in error.value.errors[0].message


def test_lv_2021_periods_have_no_kind() -> None:
    state = run([decision(period_end=date(2026, 7, 20))], assessed())
    grant = state.decisions[-1]
    assert isinstance(grant, HoursGranted) and grant.period_kind is None


def test_an_application_can_be_forwarded_to_the_municipality_of_the_residence() -> None:
    """rules.md §3.5, the caseworker's other choice: forward instead of refusing."""
    state = run([open_case()])
    assert state.opened is not None
    events = decide(ForwardApplication("ludza", date(2026, 3, 20)), state)
    forwarded, closed = events
    assert isinstance(forwarded, ApplicationForwarded) and isinstance(closed, CaseClosed)
    assert (forwarded.from_municipality, forwarded.to_municipality) == ("daugavpils", "ludza")
    assert forwarded.client.personal_code == "12038512342"
    assert closed.reason is CloseReason.FORWARDED
    after = replay([state.opened, *events])
    assert after.status is CaseStatus.FORWARDED and after.decisions == ()
    with pytest.raises(InvalidCommand):
        decide(ForwardApplication("daugavpils", date(2026, 3, 20)), state)
