"""rules.md §4.1–4.3: weekly caps, the 40-hour total, the vision rule (all LV-2013 only, rules.md
§2 Correction), children's months. LV-2021 adults: test_adults_lv_2021.py."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from shared.rules import ActivityClaim, AssessmentRequest, assess

from .builders import LV_2013_DAY, LV_2021_DAY, REG_315_DAY, adult, child, claims, vision_adult

BOTH_SETS = pytest.mark.parametrize("on", [LV_2013_DAY, LV_2021_DAY], ids=["LV-2013", "LV-2021"])
D = Decimal


@pytest.mark.parametrize(
    ("kind", "claimed", "granted"),
    [
        ("work", 25, 20),
        ("education", 25, 20),
        ("day_care", 21, 20),
        ("institutions", 30, 20),
        ("social_activities", 20, 20),
        ("leisure", 5, 2),
        ("leisure", 2, 2),
        ("work", "7.5", "7.5"),
    ],
)
def test_claimed_hours_are_cut_to_the_activity_cap(
    kind: str, claimed: int | str, granted: int | str
) -> None:
    result = assess(adult(LV_2013_DAY, activities=claims(**{kind: claimed})))
    assert [(g.kind, g.claimed, g.granted) for g in result.breakdown] == [
        (kind, D(claimed), D(granted))
    ]
    assert result.need_hours == D(granted) == result.paid_hours
    assert result.unit == "week"


def test_higher_education_is_capped_at_forty() -> None:
    result = assess(
        vision_adult(
            LV_2013_DAY, receives_vision_benefit=False, activities=claims(higher_education=45)
        )
    )
    assert result.paid_hours == 40


def test_total_of_the_capped_activities_is_cut_to_forty() -> None:
    result = assess(
        adult(LV_2013_DAY, activities=claims(work=20, education=20, day_care=20, leisure=2))
    )
    assert result.need_hours == 40
    assert result.paid_hours == 40


def test_forty_hours_are_shared_out_in_the_order_claimed() -> None:
    result = assess(adult(activities=claims(day_care=25, work=15, leisure=2, education=10)))
    assert [(g.kind, g.granted) for g in result.breakdown] == [
        ("day_care", D(20)),
        ("work", D(15)),
        ("leisure", D(2)),
        ("education", D(3)),
    ]
    assert sum(g.granted for g in result.breakdown) == result.need_hours == 40


def test_exactly_forty_hours_are_kept() -> None:
    result = assess(adult(activities=claims(work=20, institutions=18, leisure=2)))
    assert result.paid_hours == 40


def test_two_claims_of_the_same_kind_are_added_before_the_cap() -> None:
    two_jobs = [ActivityClaim("work", D(12)), ActivityClaim("work", D(12))]
    result = assess(adult(activities=two_jobs))
    assert [(g.kind, g.claimed, g.granted) for g in result.breakdown] == [("work", D(24), D(20))]


def test_higher_education_under_lv_2013_is_only_for_group_one_for_vision() -> None:
    result = assess(adult(LV_2013_DAY, activities=claims(higher_education=30, work=10)))
    assert [(g.kind, g.granted) for g in result.breakdown] == [
        ("higher_education", D(0)),
        ("work", D(10)),
    ]
    assert result.paid_hours == 10


def test_higher_education_alone_under_lv_2013_is_no_eligible_activity() -> None:
    result = assess(adult(LV_2013_DAY, activities=claims(higher_education=30)))
    assert result.refusal_reasons == ["NO_ELIGIBLE_ACTIVITY"]


def test_higher_education_under_lv_2013_for_group_one_for_vision() -> None:
    request = vision_adult(
        LV_2013_DAY, receives_vision_benefit=False, activities=claims(higher_education=40)
    )
    assert assess(request).paid_hours == 40


def test_higher_education_under_lv_2013_for_a_child_disabled_by_vision() -> None:
    granted = assess(
        child(LV_2013_DAY, vision_disability=True, activities=claims(higher_education=30))
    )
    refused = assess(child(LV_2013_DAY, activities=claims(higher_education=30)))
    assert granted.paid_hours == 30
    assert refused.refusal_reasons == ["NO_ELIGIBLE_ACTIVITY"]


@pytest.mark.parametrize("activities", [claims(higher_education=30), claims(work=20, leisure=9)])
def test_weekly_activities_and_caps_give_no_hours_under_lv_2021(
    activities: list[ActivityClaim],
) -> None:
    """rules.md §2 Correction: LV-2021 adults get monthly hours by purpose, never the caps."""
    result = assess(adult(LV_2021_DAY, activities=activities))
    assert (result.unit, result.paid_hours, result.breakdown) == ("month", D(80), [])


@pytest.mark.parametrize("activities", [[], claims(work=0, leisure=0)])
def test_adult_without_hours_for_any_activity_is_refused(activities: list[ActivityClaim]) -> None:
    assert assess(adult(activities=activities)).refusal_reasons == ["NO_ELIGIBLE_ACTIVITY"]


def test_negative_hours_are_rejected() -> None:
    with pytest.raises(ValidationError):
        ActivityClaim("work", D(-1))


@pytest.mark.parametrize("bad", ["NaN", "Infinity"])
def test_hours_must_be_a_finite_number(bad: str) -> None:
    with pytest.raises(ValidationError):
        ActivityClaim("work", D(bad))


def test_unknown_activity_kinds_are_rejected() -> None:
    with pytest.raises(ValidationError):
        ActivityClaim("shopping", D(2))


def test_string_input_is_accepted_as_in_rules_md() -> None:
    request = AssessmentRequest.model_validate(
        {
            "period_start": "2019-03-01",
            "birth_date": "1980-01-01",
            "disability_group": 1,
            "opinion": "assistant_needed",
            "residence": "home",
            "activities": [{"kind": "work", "hours_per_week": "20"}],
        }
    )
    assert assess(request).paid_hours == 20


def test_period_start_and_birth_date_are_required() -> None:
    with pytest.raises(ValidationError):
        AssessmentRequest.model_validate({"birth_date": "1980-01-01"})
    with pytest.raises(ValidationError):
        AssessmentRequest.model_validate({"period_start": "2022-01-01"})


def test_vision_group_one_with_benefit_loses_first_ten_hours() -> None:
    result = assess(vision_adult(LV_2013_DAY, activities=claims(work=20, institutions=5)))
    assert result.need_hours == 25
    assert result.paid_hours == 15
    assert any("§4.2" in line for line in result.trace)


def test_vision_benefit_rule_is_not_applied_under_lv_2021() -> None:
    """rules.md §4.2: LV-2013 only, not shown to exist in Reg. 316."""
    request = vision_adult(
        LV_2021_DAY, functional_limitations={"vision"}, purposes={"school_board"}
    )
    result = assess(request)
    assert (result.unit, result.paid_hours) == ("month", D(60))
    assert not any("§4.2:" in line for line in result.trace)


def test_vision_benefit_with_a_need_of_forty_pays_thirty() -> None:
    result = assess(vision_adult(activities=claims(work=20, day_care=20)))
    assert (result.need_hours, result.paid_hours) == (D(40), D(30))


@pytest.mark.parametrize("need", [10, 5, "0.5"])
def test_vision_benefit_covers_a_need_of_ten_hours_or_less(need: int | str) -> None:
    result = assess(vision_adult(activities=claims(work=need)))
    assert not result.eligible
    assert result.refusal_reasons == ["VISION_BENEFIT_COVERS_NEED"]
    assert result.need_hours == D(need)
    assert result.paid_hours == 0


def test_vision_benefit_with_a_need_just_over_ten_pays_the_rest() -> None:
    assert assess(vision_adult(activities=claims(work="10.5"))).paid_hours == D("0.5")


def test_vision_group_one_without_the_benefit_keeps_every_hour() -> None:
    result = assess(vision_adult(receives_vision_benefit=False, activities=claims(work=20)))
    assert result.paid_hours == 20


def test_vision_rule_is_for_group_one_only() -> None:
    request = adult(
        disability_group=2,
        vision_disability=True,
        receives_vision_benefit=True,
        activities=claims(work=20),
    )
    assert assess(request).paid_hours == 20


def test_vision_rule_is_not_applied_to_a_child_under_lv_2013() -> None:
    request = child(
        LV_2013_DAY,
        vision_disability=True,
        receives_vision_benefit=True,
        activities=claims(education=20),
    )
    assert assess(request).paid_hours == 20


def test_no_activity_with_the_vision_benefit_gives_both_reasons() -> None:
    result = assess(vision_adult(activities=[]))
    assert result.refusal_reasons == ["NO_ELIGIBLE_ACTIVITY", "VISION_BENEFIT_COVERS_NEED"]


def test_child_under_lv_2021_gets_eighty_hours_a_month() -> None:
    result = assess(child(LV_2021_DAY))
    assert (result.unit, result.need_hours, result.paid_hours) == ("month", D(80), D(80))
    assert result.breakdown == []


def test_child_with_weekly_medical_procedures_gets_one_hundred_hours_a_month() -> None:
    result = assess(child(LV_2021_DAY, weekly_medical_procedures=True))
    assert (result.unit, result.paid_hours) == ("month", D(100))


@pytest.mark.parametrize(
    ("decided_on", "hours"),
    [
        (date(2021, 7, 1), 80),
        (REG_315_DAY - timedelta(days=1), 80),
        (REG_315_DAY, 100),
        (REG_315_DAY + timedelta(days=1), 100),
    ],
)
def test_childrens_100_hours_row_is_in_force_from_26_may_2022(decided_on: date, hours: int) -> None:
    """rules.md §4.3: before Reg. No. 315, every child 80 h/month; the decision date chooses."""
    request = child(REG_315_DAY + timedelta(days=30), weekly_medical_procedures=True)
    result = assess(request.model_copy(update={"decided_on": decided_on}))
    assert (result.unit, result.paid_hours) == ("month", D(hours))
    assert assess(child(decided_on, decided_on=decided_on)).paid_hours == 80


def test_child_under_lv_2021_does_not_need_to_claim_activities() -> None:
    assert assess(child(LV_2021_DAY, activities=[])).paid_hours == 80
    assert assess(child(LV_2021_DAY, activities=claims(leisure=40))).paid_hours == 80


def test_child_under_lv_2013_is_assessed_weekly_like_an_adult() -> None:
    result = assess(child(LV_2013_DAY, activities=claims(education=25, leisure=5)))
    assert (result.unit, result.paid_hours) == ("week", D(22))
    assert child(LV_2013_DAY, weekly_medical_procedures=True).weekly_medical_procedures
    assert assess(child(LV_2013_DAY, weekly_medical_procedures=True)).paid_hours == 10


def test_child_under_lv_2013_without_activities_is_refused() -> None:
    result = assess(child(LV_2013_DAY, activities=[]))
    assert result.refusal_reasons == ["NO_ELIGIBLE_ACTIVITY"]
