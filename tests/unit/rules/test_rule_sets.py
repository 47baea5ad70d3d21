"""rules.md §2: which rule set applies, and the numbers each one holds."""

from datetime import date
from decimal import Decimal

import pytest

from shared.rules import (
    LV_2013,
    LV_2021,
    RULE_SETS,
    ActivityKind,
    NoRuleSetError,
    PeriodError,
    RuleSet,
    assess,
    max_period_end,
    rule_set_for,
)

from .builders import adult


@pytest.mark.parametrize(
    ("period_start", "expected"),
    [
        (date(2013, 1, 1), "LV-2013"),
        (date(2017, 6, 15), "LV-2013"),
        (date(2021, 6, 30), "LV-2013"),
        (date(2021, 7, 1), "LV-2021"),
        (date(2030, 1, 1), "LV-2021"),
    ],
)
def test_the_rule_set_in_force_on_a_day(period_start: date, expected: str) -> None:
    assert rule_set_for(period_start).id == expected
    assert assess(adult(period_start)).rule_set == expected


def test_no_rule_set_before_2013_is_a_clear_error() -> None:
    with pytest.raises(NoRuleSetError, match="2013-01-01"):
        rule_set_for(date(2012, 12, 31))
    with pytest.raises(NoRuleSetError):
        assess(adult(date(2012, 12, 31)))


def test_rule_sets_follow_each_other_without_gap() -> None:
    assert LV_2013.in_force_until == date(2021, 6, 30)
    assert LV_2021.in_force_from == date(2021, 7, 1)
    assert RULE_SETS == (LV_2013, LV_2021)
    assert LV_2021.in_force_until is None


@pytest.mark.parametrize(
    ("kind", "cap"),
    [
        ("work", 20),
        ("education", 20),
        ("higher_education", 40),
        ("day_care", 20),
        ("institutions", 20),
        ("social_activities", 20),
        ("leisure", 2),
    ],
)
def test_lv_2013_holds_the_weekly_caps_of_rules_md(kind: str, cap: int) -> None:
    assert LV_2013.weekly_caps[ActivityKind(kind)] == Decimal(cap)


def test_lv_2013_holds_the_weekly_total_and_the_vision_hours() -> None:
    assert (LV_2013.weekly_total, LV_2013.vision_unpaid_hours) == (40, 10)
    assert LV_2013.adult_unit == "week"


def test_lv_2021_has_no_weekly_caps_and_no_vision_rule() -> None:
    """rules.md §2 Correction, §4.2: weekly caps and the vision rule are LV-2013 only."""
    assert dict(LV_2021.weekly_caps) == {}
    assert LV_2021.weekly_total is None
    assert LV_2021.vision_unpaid_hours is None
    assert LV_2021.adult_unit == "month"


@pytest.mark.parametrize("rule_set", RULE_SETS, ids=lambda r: str(r.id))
def test_each_rule_set_holds_the_common_numbers(rule_set: RuleSet) -> None:
    assert rule_set.adult_age == 18
    assert rule_set.child_min_age == 5
    assert rule_set.assistant_weekly_limit == 40


def test_lv_2021_holds_children_hours_and_three_years() -> None:
    assert LV_2021.child_monthly_hours == ((date(2021, 7, 1), 80),)
    assert LV_2021.child_monthly_hours_with_procedures == (
        (date(2021, 7, 1), 80),
        (date(2022, 5, 26), 100),  # rules.md §4.3: Reg. No. 315
    )
    assert LV_2021.max_period_months == 36
    assert LV_2021.grants_end_by is None


def test_lv_2013_assesses_children_weekly_for_at_most_one_year() -> None:
    assert LV_2013.child_unit == "week"
    assert LV_2013.child_monthly_hours == ()
    assert LV_2013.max_period_months == 12
    assert LV_2013.grants_end_by == date(2021, 12, 31)  # rules.md §2
    assert LV_2013.higher_education_vision_only


def test_assessment_names_the_regulation_behind_the_rule_set() -> None:
    assert "942" in assess(adult(date(2019, 1, 1))).legal_basis
    assert "316" in assess(adult(date(2022, 1, 1))).legal_basis


@pytest.mark.parametrize(
    ("decided_on", "expected", "unit"),
    [
        (date(2021, 6, 28), "LV-2013", "week"),
        (date(2021, 6, 30), "LV-2013", "week"),
        (date(2021, 7, 1), "LV-2021", "month"),
    ],
)
def test_the_decision_date_chooses_the_rule_set_not_the_period_start(
    decided_on: date, expected: str, unit: str
) -> None:
    """rules.md §2: a decision of 28.06.2021 for a period from 01.07.2021 is LV-2013."""
    result = assess(adult(date(2021, 7, 1), decided_on=decided_on))
    assert (result.rule_set, result.unit, result.decided_on) == (expected, unit, decided_on)
    assert any("chosen by the decision date" in line for line in result.trace)


def test_an_lv_2013_decision_for_a_later_period_ends_by_31_december_2021() -> None:
    """rules.md §2: grants under LV-2013 could run at most to 31.12.2021."""
    result = assess(adult(date(2021, 7, 1), decided_on=date(2021, 6, 28)))
    assert result.max_period_end == date(2021, 12, 31)
    assert max_period_end(date(2021, 7, 1), decided_on=date(2021, 6, 28)) == date(2021, 12, 31)
    assert max_period_end(date(2021, 7, 1), decided_on=date(2021, 7, 1)) == date(2024, 6, 30)


def test_a_decision_date_before_2013_has_no_rule_set() -> None:
    with pytest.raises(NoRuleSetError):
        assess(adult(date(2013, 2, 1), decided_on=date(2012, 12, 31)))


def test_an_lv_2013_decision_cannot_grant_a_period_after_2021() -> None:
    with pytest.raises(PeriodError, match="2021-12-31"):
        assess(adult(date(2022, 1, 1), decided_on=date(2021, 6, 28)))
