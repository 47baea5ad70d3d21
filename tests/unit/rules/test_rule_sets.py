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
    RuleSet,
    assess,
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
def test_first_day_of_the_period_selects_the_rule_set(period_start: date, expected: str) -> None:
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


@pytest.mark.parametrize("rule_set", RULE_SETS, ids=lambda r: str(r.id))
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
def test_each_rule_set_holds_the_weekly_caps_of_rules_md(
    rule_set: RuleSet, kind: str, cap: int
) -> None:
    assert rule_set.weekly_caps[ActivityKind(kind)] == Decimal(cap)


@pytest.mark.parametrize("rule_set", RULE_SETS, ids=lambda r: str(r.id))
def test_each_rule_set_holds_the_common_numbers(rule_set: RuleSet) -> None:
    assert rule_set.weekly_total == 40
    assert rule_set.vision_unpaid_hours == 10
    assert rule_set.adult_age == 18
    assert rule_set.child_min_age == 5
    assert rule_set.assistant_weekly_limit == 40


def test_lv_2021_holds_children_hours_and_three_years() -> None:
    assert LV_2021.child_monthly_hours == 80
    assert LV_2021.child_monthly_hours_with_procedures == 100
    assert LV_2021.max_period_months == 36
    assert not LV_2021.higher_education_vision_only


def test_lv_2013_assesses_children_weekly_for_at_most_one_year() -> None:
    assert LV_2013.child_unit == "week"
    assert LV_2013.child_monthly_hours is None
    assert LV_2013.max_period_months == 12
    assert LV_2013.higher_education_vision_only


def test_assessment_names_the_regulation_behind_the_rule_set() -> None:
    assert "942" in assess(adult(date(2019, 1, 1))).legal_basis
    assert "316" in assess(adult(date(2022, 1, 1))).legal_basis
