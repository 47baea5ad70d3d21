"""rules.md §3: who may get the service, and every refusal code of §3.4."""

from datetime import date, timedelta

import pytest

from shared.rules import REFUSAL_SECTIONS, RefusalReason, assess

from .builders import LV_2013_DAY, LV_2021_DAY, adult, child, claims, vision_adult

BOTH_SETS = pytest.mark.parametrize("on", [LV_2013_DAY, LV_2021_DAY], ids=["LV-2013", "LV-2021"])


@BOTH_SETS
@pytest.mark.parametrize("group", [1, 2])
def test_adult_with_group_one_or_two_and_the_opinion_is_eligible(on: date, group: int) -> None:
    result = assess(adult(on, disability_group=group))
    assert result.eligible
    assert result.refusal_reasons == []
    assert result.age_group == "adult"


@BOTH_SETS
def test_adult_with_group_three_is_refused_as_not_severe(on: date) -> None:
    result = assess(adult(on, disability_group=3))
    assert not result.eligible
    assert result.refusal_reasons == ["NOT_SEVERE_DISABILITY"]
    assert result.paid_hours == 0


def test_adult_without_a_disability_group_is_refused_as_not_severe() -> None:
    assert assess(adult(disability_group=None)).refusal_reasons == ["NOT_SEVERE_DISABILITY"]


def test_lv_2013_adult_without_the_commission_opinion_is_refused() -> None:
    assert assess(adult(LV_2013_DAY, opinion=None)).refusal_reasons == ["NO_COMMISSION_OPINION"]


def test_lv_2021_adult_needs_no_commission_opinion() -> None:
    """rules.md §2 Correction, §3.1: the opinion on the need for an assistant is gone."""
    result = assess(adult(LV_2021_DAY, opinion=None))
    assert result.eligible
    assert "NO_COMMISSION_OPINION" not in result.refusal_reasons


def test_adult_with_only_the_childrens_special_care_opinion_is_refused() -> None:
    result = assess(adult(opinion="special_care"))
    assert result.refusal_reasons == ["NO_COMMISSION_OPINION"]


@BOTH_SETS
def test_group_one_for_vision_qualifies_without_the_opinion(on: date) -> None:
    result = assess(adult(on, disability_group=1, vision_disability=True, opinion=None))
    assert result.eligible


def test_group_two_for_vision_still_needs_the_opinion() -> None:
    result = assess(adult(disability_group=2, vision_disability=True, opinion=None))
    assert result.refusal_reasons == ["NO_COMMISSION_OPINION"]


def test_group_three_for_vision_without_opinion_gets_both_reasons() -> None:
    result = assess(adult(disability_group=3, vision_disability=True, opinion=None))
    assert result.refusal_reasons == ["NOT_SEVERE_DISABILITY", "NO_COMMISSION_OPINION"]


@BOTH_SETS
def test_child_with_the_special_care_opinion_is_eligible(on: date) -> None:
    result = assess(child(on, activities=claims(education=10)))
    assert result.eligible
    assert result.age_group == "child"


@BOTH_SETS
@pytest.mark.parametrize("opinion", [None, "assistant_needed"])
def test_child_without_the_special_care_opinion_is_refused(on: date, opinion: str | None) -> None:
    result = assess(child(on, opinion=opinion, activities=claims(education=10)))
    assert result.refusal_reasons == ["NO_COMMISSION_OPINION"]


def test_a_childs_disability_group_is_not_looked_at() -> None:
    assert assess(child(disability_group=3)).eligible


def test_eighteenth_birthday_on_the_first_day_makes_an_adult() -> None:
    result = assess(adult(birth_date=date(2004, 3, 1), period_start=date(2022, 3, 1)))
    assert result.age_group == "adult"


def test_day_before_the_eighteenth_birthday_is_still_a_child() -> None:
    result = assess(child(birth_date=date(2004, 3, 2), period_start=date(2022, 3, 1)))
    assert result.age_group == "child"
    assert result.unit == "month"


def test_fifth_birthday_on_the_first_day_makes_an_eligible_child() -> None:
    result = assess(child(birth_date=date(2017, 3, 1), period_start=date(2022, 3, 1)))
    assert result.eligible


@BOTH_SETS
def test_under_five_is_too_young(on: date) -> None:
    birth = on.replace(year=on.year - 5) + timedelta(days=1)
    result = assess(child(on, birth_date=birth))
    assert result.refusal_reasons == ["TOO_YOUNG"]
    assert result.age_group == "under_five"
    assert result.paid_hours == 0


def test_born_on_29_february_turns_eighteen_on_1_march_in_a_common_year() -> None:
    born = date(2004, 2, 29)
    assert assess(child(period_start=date(2022, 2, 28), birth_date=born)).age_group == "child"
    assert assess(adult(period_start=date(2022, 3, 1), birth_date=born)).age_group == "adult"


@BOTH_SETS
@pytest.mark.parametrize("residence", ["long_term_care", "inpatient", "prison"])
def test_stay_in_an_institution_excludes_the_service(on: date, residence: str) -> None:
    assert assess(adult(on, residence=residence)).refusal_reasons == ["IN_INSTITUTION"]
    assert assess(child(on, residence=residence)).refusal_reasons == ["IN_INSTITUTION"]


def test_living_at_home_is_the_default() -> None:
    assert adult().residence == "home"


def test_every_applicable_refusal_reason_is_given_not_only_the_first() -> None:
    request = adult(disability_group=3, opinion=None, residence="prison", activities=[])
    assert assess(request).refusal_reasons == [
        "NOT_SEVERE_DISABILITY",
        "NO_COMMISSION_OPINION",
        "IN_INSTITUTION",
        "NO_ELIGIBLE_ACTIVITY",
    ]


def test_too_young_child_in_hospital_gets_both_reasons() -> None:
    request = child(age=3, residence="inpatient", disability_valid_until=date(2020, 1, 1))
    assert assess(request).refusal_reasons == ["TOO_YOUNG", "IN_INSTITUTION", "DISABILITY_EXPIRED"]


@BOTH_SETS
def test_disability_status_ended_before_the_period_is_refused(on: date) -> None:
    result = assess(adult(on, disability_valid_until=on - timedelta(days=1)))
    assert result.refusal_reasons == ["DISABILITY_EXPIRED"]


@BOTH_SETS
def test_disability_status_ending_on_the_first_day_still_allows_a_one_day_grant(on: date) -> None:
    result = assess(adult(on, disability_valid_until=on))
    assert result.eligible
    assert result.max_period_end == on


def test_commission_opinion_ended_before_the_period_is_refused() -> None:
    result = assess(adult(LV_2013_DAY, opinion_valid_until=LV_2013_DAY - timedelta(days=1)))
    assert result.refusal_reasons == ["OPINION_EXPIRED"]


def test_an_old_opinion_does_not_matter_to_an_lv_2021_adult() -> None:
    """rules.md §3.1: an LV-2021 adult rests on the social service's assessment."""
    request = adult(LV_2021_DAY, opinion_valid_until=LV_2021_DAY - timedelta(days=1))
    assert assess(request).eligible


def test_an_expired_opinion_does_not_matter_to_group_one_for_vision() -> None:
    request = vision_adult(
        receives_vision_benefit=False, opinion_valid_until=LV_2021_DAY - timedelta(days=1)
    )
    assert assess(request).eligible


def test_refusal_grants_no_hours_and_no_period() -> None:
    result = assess(adult(disability_group=3, activities=claims(work=20)))
    assert result.need_hours == 20  # the need is still shown
    assert result.paid_hours == 0
    assert result.max_period_end is None


def test_every_refusal_code_carries_its_legal_basis() -> None:
    assert set(REFUSAL_SECTIONS) == set(RefusalReason)
    assert all(section.startswith("rules.md §") for section in REFUSAL_SECTIONS.values())


def test_refusal_codes_are_the_strings_of_rules_md() -> None:
    expected = {
        "NOT_SEVERE_DISABILITY",
        "NO_COMMISSION_OPINION",
        "TOO_YOUNG",
        "IN_INSTITUTION",
        "VISION_BENEFIT_COVERS_NEED",
        "NO_ELIGIBLE_ACTIVITY",
        "NO_FUNCTIONAL_LIMITATION",
        "NEED_NOT_ESTABLISHED",
    }
    assert expected <= {str(reason) for reason in RefusalReason}


def test_trace_names_the_rules_md_section_of_every_step() -> None:
    result = assess(adult(LV_2021_DAY, disability_group=3, residence="prison"))
    assert all(line.startswith("rules.md §") for line in result.trace)
    assert any("§3.3" in line and "IN_INSTITUTION" in line for line in result.trace)
    assert any("§2" in line and "LV-2021" in line for line in result.trace)
