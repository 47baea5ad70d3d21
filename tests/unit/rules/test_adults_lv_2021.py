"""rules.md §2, §3.1, §3.4, §4.2a: adults under LV-2021 (Reg. 316), at every dated boundary."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from shared.rules import (
    LV_2021,
    LV_2021_PURPOSE_HOURS,
    FactError,
    GrantWindow,
    MissingFactError,
    Purpose,
    TimeEntry,
    Unit,
    assess,
    check_timesheet,
    purpose_row,
)

from .builders import LV_2013_DAY, LV_2021_DAY, REG_315_DAY, adult, needs

D = Decimal
DAY_BEFORE_315 = REG_315_DAY - timedelta(days=1)


@pytest.mark.parametrize(
    ("purpose", "level_1", "level_2"),
    [
        ("work_study_sport", 80, 160),
        ("school_board", 60, 120),
        ("volunteer_daycare_treatment", 40, 80),
        ("childhood_group1_daycare", 50, 100),
        ("childhood_group1_other", 30, 60),
    ],
)
def test_monthly_hours_by_purpose_and_intensity_level(
    purpose: str, level_1: int, level_2: int
) -> None:
    childhood = {"disability_group": 1, "group1_since_childhood_special_care": True}
    for result_code, hours in (("intensity_level_1", level_1), ("intensity_level_2", level_2)):
        request = adult(
            LV_2021_DAY, purposes={purpose}, needs_assessment=needs(result_code), **childhood
        )
        result = assess(request)
        assert result.eligible, result.trace
        assert (result.unit, result.paid_hours, result.need_hours) == ("month", D(hours), D(hours))
        assert result.purpose == purpose
        assert result.intensity_level == (1 if result_code.endswith("1") else 2)
        assert result.breakdown == []


@pytest.mark.parametrize(
    ("purpose", "before", "from_315"),
    [
        ("childhood_group1_daycare", (40, 80), (50, 100)),
        ("childhood_group1_other", (15, 30), (30, 60)),
        ("work_study_sport", (80, 160), (80, 160)),  # rows the amendment did not change
        ("school_board", (60, 120), (60, 120)),
        ("volunteer_daycare_treatment", (40, 80), (40, 80)),
    ],
)
def test_the_2022_amendment_rows_are_chosen_by_the_decision_date(
    purpose: str, before: tuple[int, int], from_315: tuple[int, int]
) -> None:
    """rules.md §4.2a: Reg. No. 315 changed the two childhood rows from 26.05.2022."""
    period_start = REG_315_DAY + timedelta(days=36)
    for decided_on, expected in (
        (date(2021, 7, 1), before),
        (DAY_BEFORE_315, before),
        (REG_315_DAY, from_315),
        (date(2026, 12, 2), from_315),
    ):
        for level in (1, 2):
            request = adult(
                period_start,
                decided_on=decided_on,
                disability_group=1,
                group1_since_childhood_special_care=True,
                purposes={purpose},
                needs_assessment=needs(f"intensity_level_{level}"),
            )
            assert assess(request).paid_hours == D(expected[level - 1]), (decided_on, level)


def test_every_purpose_row_cites_its_source() -> None:
    assert LV_2021.adult_purpose_hours == LV_2021_PURPOSE_HOURS
    for row in LV_2021_PURPOSE_HOURS:
        assert "Reg. 316 Annex 1" in row.source and "rules.md §4.2a" in row.source
        assert row.effective_from >= LV_2021.in_force_from
    assert purpose_row(LV_2021_PURPOSE_HOURS, Purpose.SCHOOL_BOARD, date(2021, 6, 30)) is None


def test_the_highest_applicable_purpose_counts_not_a_sum() -> None:
    request = adult(
        LV_2021_DAY,
        purposes={"volunteer_daycare_treatment", "school_board", "work_study_sport"},
        needs_assessment=needs("intensity_level_2"),
    )
    result = assess(request)
    assert (result.paid_hours, result.purpose) == (D(160), "work_study_sport")
    assert [(line.purpose, line.hours) for line in result.purpose_hours] == [
        ("work_study_sport", D(160)),
        ("school_board", D(120)),
        ("volunteer_daycare_treatment", D(80)),
    ]
    assert any("not a sum" in line for line in result.trace)


def test_childhood_rows_need_group_one_since_childhood_with_special_care() -> None:
    """rules.md §4.2a: the childhood rows are for those persons only."""
    purposes = {"childhood_group1_daycare", "volunteer_daycare_treatment"}
    without = assess(adult(LV_2021_DAY, disability_group=1, purposes=purposes))
    assert (without.purpose, without.paid_hours) == ("volunteer_daycare_treatment", D(40))
    group_two = assess(
        adult(LV_2021_DAY, group1_since_childhood_special_care=True, purposes=purposes)
    )
    assert group_two.purpose == "volunteer_daycare_treatment"
    with_it = assess(
        adult(
            LV_2021_DAY,
            disability_group=1,
            group1_since_childhood_special_care=True,
            purposes=purposes,
        )
    )
    assert (with_it.purpose, with_it.paid_hours) == ("childhood_group1_daycare", D(50))


def test_no_applicable_purpose_gives_no_hours() -> None:
    assert assess(adult(LV_2021_DAY, purposes=set())).refusal_reasons == ["NO_ELIGIBLE_ACTIVITY"]
    only_childhood = adult(LV_2021_DAY, purposes={"childhood_group1_other"})
    assert assess(only_childhood).refusal_reasons == ["NO_ELIGIBLE_ACTIVITY"]


@pytest.mark.parametrize("limitation", ["vision", "mobility", "mental"])
def test_any_functional_limitation_qualifies(limitation: str) -> None:
    assert assess(adult(LV_2021_DAY, functional_limitations={limitation})).eligible


def test_car_adaptation_indications_qualify_without_a_functional_limitation() -> None:
    request = adult(LV_2021_DAY, functional_limitations=set(), car_adaptation_indications=True)
    assert assess(request).eligible


def test_no_functional_limitation_and_no_indications_is_refused() -> None:
    result = assess(adult(LV_2021_DAY, functional_limitations=set()))
    assert result.refusal_reasons == ["NO_FUNCTIONAL_LIMITATION"]
    assert result.paid_hours == 0


@pytest.mark.parametrize("group", [3, None])
def test_group_three_or_none_is_refused_under_lv_2021(group: int | None) -> None:
    result = assess(adult(LV_2021_DAY, disability_group=group, functional_limitations=set()))
    assert result.refusal_reasons == ["NOT_SEVERE_DISABILITY", "NO_FUNCTIONAL_LIMITATION"]


def test_need_not_established_is_refused() -> None:
    result = assess(adult(LV_2021_DAY, needs_assessment=needs("need_not_established")))
    assert result.refusal_reasons == ["NEED_NOT_ESTABLISHED"]
    assert (result.paid_hours, result.intensity_level, result.max_period_end) == (0, None, None)


def test_every_refusal_is_given_with_need_not_established() -> None:
    request = adult(
        LV_2021_DAY,
        needs_assessment=needs("need_not_established"),
        residence="long_term_care",
        purposes=set(),
    )
    assert assess(request).refusal_reasons == [
        "IN_INSTITUTION",
        "NEED_NOT_ESTABLISHED",
        "NO_ELIGIBLE_ACTIVITY",
    ]


def test_the_assessment_is_a_recorded_fact_the_decision_needs() -> None:
    """rules.md §3.1: no assessment, no LV-2021 adult decision; the error names the fact."""
    with pytest.raises(MissingFactError) as raised:
        assess(adult(LV_2021_DAY, needs_assessment=None))
    assert raised.value.fact == "needs_assessment"


def test_a_person_refused_on_other_grounds_needs_no_assessment() -> None:
    request = adult(LV_2021_DAY, needs_assessment=None, disability_group=3)
    assert assess(request).refusal_reasons == ["NOT_SEVERE_DISABILITY"]


def test_an_assessment_dated_after_the_decision_is_an_error() -> None:
    decided_on = LV_2021_DAY
    later = needs("intensity_level_1", decided_on + timedelta(days=1))
    with pytest.raises(FactError) as raised:
        assess(adult(LV_2021_DAY, decided_on=decided_on, needs_assessment=later))
    assert raised.value.fact == "needs_assessment.assessed_on"
    same_day = needs("intensity_level_1", decided_on)
    assert assess(adult(LV_2021_DAY, decided_on=decided_on, needs_assessment=same_day)).eligible


P17 = {
    "needs_assessment": needs("need_not_established"),
    "car_adaptation_indications": True,
    "dialysis_or_stage_iv_cancer_therapy": True,
    "functional_limitations": set(),
    "purposes": set(),
}


def test_p17_grants_without_an_established_need() -> None:
    """rules.md §3.1: Reg. 316 p. 17 as amended by Reg. No. 315."""
    result = assess(adult(LV_2021_DAY, **P17))
    assert result.eligible, result.trace
    assert result.p17_exception
    assert (result.paid_hours, result.intensity_level) == (D(40), 1)
    assert result.purpose == "volunteer_daycare_treatment"


@pytest.mark.parametrize(
    "missing", ["car_adaptation_indications", "dialysis_or_stage_iv_cancer_therapy"]
)
def test_p17_needs_both_the_indications_and_the_treatment(missing: str) -> None:
    facts = {**P17, missing: False}
    if missing == "car_adaptation_indications":
        facts["functional_limitations"] = {"mobility"}
    assert assess(adult(LV_2021_DAY, **facts)).refusal_reasons[0] == "NEED_NOT_ESTABLISHED"


def test_p17_is_a_dated_row_from_26_may_2022() -> None:
    """Decision (docs/rules.md): the exception applies to decisions from Reg. 315 on."""
    before = assess(adult(REG_315_DAY, decided_on=DAY_BEFORE_315, **P17))
    assert before.refusal_reasons == ["NEED_NOT_ESTABLISHED", "NO_ELIGIBLE_ACTIVITY"]
    assert assess(adult(REG_315_DAY, decided_on=REG_315_DAY, **P17)).eligible


def test_p17_with_an_established_need_takes_the_assessed_level() -> None:
    facts = {**P17, "needs_assessment": needs("intensity_level_2"), "purposes": {"school_board"}}
    result = assess(adult(LV_2021_DAY, **facts))
    assert not result.p17_exception
    assert (result.paid_hours, result.purpose) == (D(120), "school_board")


def test_lv_2021_adult_grant_is_monthly_and_may_run_three_years() -> None:
    result = assess(adult(LV_2021_DAY, disability_valid_until=date(2040, 1, 1)))
    assert result.unit == "month"
    assert result.max_period_end == date(2026, 2, 28)


def test_lv_2013_adult_facts_for_lv_2021_are_ignored() -> None:
    """The LV-2021 facts change nothing in an LV-2013 decision (history replays unchanged)."""
    plain = adult(LV_2013_DAY, functional_limitations=set(), needs_assessment=None, purposes=set())
    with_new_facts = adult(LV_2013_DAY, needs_assessment=needs("need_not_established"))
    old, new = assess(plain), assess(with_new_facts)
    assert old.model_dump(exclude={"trace"}) == new.model_dump(exclude={"trace"})
    assert (old.unit, old.paid_hours) == ("week", D(10))


def test_time_reports_of_an_lv_2021_adult_are_checked_against_the_month() -> None:
    """rules.md §7.2, issue point 5: the checks key on the grant's unit, never on age."""
    result = assess(adult(LV_2021_DAY))
    grant = GrantWindow(
        "adult", Unit(result.unit), result.paid_hours, None, LV_2021_DAY, date(2023, 3, 31)
    )
    # 30 h in one ISO week is far above any weekly grant, within the 80 h month.
    week = [
        TimeEntry("A", "adult", LV_2021_DAY + timedelta(days=i), time(8), time(14), "work")
        for i in range(5)
    ]
    assert check_timesheet(week, [grant], date(2023, 4, 1)) == []
    month = [
        TimeEntry("A", "adult", LV_2021_DAY + timedelta(days=i), time(8), time(14), "work")
        for i in range(14)
    ]
    findings = check_timesheet(month, [grant], date(2023, 4, 1))
    codes = {f.code for f in findings}
    assert "MONTHLY_GRANT_EXCEEDED" in codes and "WEEKLY_GRANT_EXCEEDED" not in codes
