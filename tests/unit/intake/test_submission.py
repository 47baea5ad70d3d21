"""A new application (rules.md §5.1–5.2, §4.1, §10): what intake accepts and what it refuses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.intake import domain
from services.intake.errors import ApplicationAlreadyExists, InvalidCommand
from shared.contracts.intake import ApplicationSubmitted, PurposeRequest
from tests.unit.intake.builders import (
    ADULT_BIRTH,
    CHILD_BIRTH,
    CHILD_CODE,
    NEW_CODE,
    RECEIVED,
    TODAY,
    activity,
    child_submission,
    parent,
    person,
    submit,
    submitted_state,
)


def submitted(command: domain.SubmitApplication) -> ApplicationSubmitted:
    [event] = domain.decide(command, domain.INITIAL)
    assert isinstance(event, ApplicationSubmitted)
    return event


def refused_fields(command: domain.SubmitApplication) -> dict[str, str]:
    with pytest.raises(InvalidCommand) as refusal:
        domain.decide(command, domain.INITIAL)
    return {error.field: error.message for error in refusal.value.errors}


def test_an_adult_with_one_activity_is_submitted_as_given() -> None:
    event = submitted(submit())
    assert event.application_id == submit().application_id
    assert event.received_on == RECEIVED
    assert event.applicant.first_name == "Jānis"
    assert [a.kind for a in event.activities] == ["work"]


@pytest.mark.parametrize("typed", ["120385-12342", "12038512342", " 120385-12342 "])
def test_an_old_format_code_is_stored_as_eleven_digits_with_or_without_hyphen(
    typed: str,
) -> None:
    assert submitted(submit(applicant=person(personal_code=typed))).applicant.personal_code == (
        "12038512342"
    )


def test_a_new_format_code_takes_the_birth_date_as_given() -> None:
    born = date(1990, 1, 2)
    event = submitted(submit(applicant=person(personal_code=NEW_CODE, birth_date=born)))
    assert event.applicant.personal_code == NEW_CODE
    assert event.applicant.birth_date == born


@pytest.mark.parametrize(
    "bad", ["120385-12343", "1203851234", "12-0385-12342", "abc", "991385-12342"]
)
def test_an_invalid_personal_code_is_refused_naming_the_field(bad: str) -> None:
    errors = refused_fields(submit(applicant=person(personal_code=bad)))
    assert list(errors) == ["applicant.personal_code"]
    assert "rules.md §10" in errors["applicant.personal_code"]


def test_an_old_format_code_must_match_the_birth_date() -> None:
    errors = refused_fields(submit(applicant=person(birth_date=ADULT_BIRTH + timedelta(days=1))))
    assert list(errors) == ["applicant.birth_date"]
    assert "1985-03-12" in errors["applicant.birth_date"]


def test_the_century_digit_must_match_the_birth_year() -> None:
    # 120385-1…: century digit 1 means 1985, not 1885 (rules.md §10).
    errors = refused_fields(submit(applicant=person(birth_date=date(1885, 3, 12))))
    assert list(errors) == ["applicant.birth_date"]


def test_the_birth_date_cannot_be_after_the_receipt_date() -> None:
    born = RECEIVED + timedelta(days=1)
    errors = refused_fields(submit(applicant=person(personal_code=NEW_CODE, birth_date=born)))
    assert "applicant.birth_date" in errors


def test_a_child_applicant_needs_a_representative() -> None:
    child = person(personal_code=CHILD_CODE, birth_date=CHILD_BIRTH)
    errors = refused_fields(child_submission(applicant=child, representative=None))
    assert list(errors) == ["representative"]
    assert "rules.md §5.1" in errors["representative"]


def test_a_child_with_a_representative_is_submitted_with_the_representatives_code_normalised() -> (
    None
):
    event = submitted(child_submission())
    assert event.representative is not None
    assert event.representative.personal_code == "12038512342"
    assert event.applicant.birth_date == CHILD_BIRTH


def test_a_person_turning_18_on_the_receipt_date_is_an_adult_and_needs_no_representative() -> None:
    born = date(RECEIVED.year - 18, RECEIVED.month, RECEIVED.day)
    command = submit(applicant=person(personal_code=NEW_CODE, birth_date=born))
    assert submitted(command).representative is None


def test_the_day_before_the_18th_birthday_the_applicant_is_still_a_child() -> None:
    born = date(RECEIVED.year - 18, RECEIVED.month, RECEIVED.day + 1)
    command = submit(applicant=person(personal_code=NEW_CODE, birth_date=born))
    assert "representative" in refused_fields(command)


def test_the_representatives_personal_code_is_checked() -> None:
    errors = refused_fields(child_submission(representative=parent(personal_code="120385-12340")))
    assert list(errors) == ["representative.personal_code"]


def test_a_child_may_list_no_activities() -> None:
    assert submitted(child_submission(activities=[])).activities == []


def test_an_adult_must_list_at_least_one_purpose_or_activity() -> None:
    errors = refused_fields(submit(activities=[]))
    assert list(errors) == ["activities"] and "purpose" in errors["activities"]


def purpose(name: str = "work_study_sport", proof: str = "Darba līgums") -> PurposeRequest:
    return PurposeRequest(purpose=name, proof=proof)


def test_an_lv_2021_adult_applies_with_purposes_proofs_and_limitations() -> None:
    """rules.md §3.1, §4.2a: purposes with proofs, limitations or indications."""
    event = submitted(
        submit(
            activities=[],
            purposes=[purpose(), purpose("volunteer_daycare_treatment", "Ārsta nosūtījums")],
            functional_limitations=["mobility", "vision"],
            car_adaptation_indications=True,
        )
    )
    assert [(p.purpose, p.proof) for p in event.purposes] == [
        ("work_study_sport", "Darba līgums"),
        ("volunteer_daycare_treatment", "Ārsta nosūtījums"),
    ]
    assert event.functional_limitations == ["mobility", "vision"]
    assert event.car_adaptation_indications


def test_a_purpose_without_its_proof_is_refused() -> None:
    errors = refused_fields(submit(purposes=[purpose(), purpose("school_board", "  ")]))
    assert list(errors) == ["purposes.1.proof"]


def test_a_purpose_may_be_listed_only_once() -> None:
    errors = refused_fields(submit(purposes=[purpose(), purpose(proof="Cits")]))
    assert list(errors) == ["purposes.1.purpose"]


def test_the_childhood_purposes_need_group_one_since_childhood() -> None:
    childhood = [purpose("childhood_group1_daycare", "Dienas centra līgums")]
    errors = refused_fields(submit(purposes=childhood))
    assert list(errors) == ["purposes.0.purpose"]
    assert "group1_since_childhood_special_care" in errors["purposes.0.purpose"]
    event = submitted(submit(purposes=childhood, group1_since_childhood_special_care=True))
    assert event.group1_since_childhood_special_care


def test_an_application_submitted_before_the_lv_2021_fields_still_parses() -> None:
    """Additive contract: an old event has none of the new fields and keeps its meaning."""
    old = submitted(submit()).model_dump(
        mode="json",
        exclude={
            "purposes",
            "functional_limitations",
            "car_adaptation_indications",
            "group1_since_childhood_special_care",
            "dialysis_or_stage_iv_cancer_therapy",
        },
    )
    parsed = ApplicationSubmitted.model_validate(old)
    assert (parsed.purposes, parsed.functional_limitations) == ([], [])
    assert not parsed.car_adaptation_indications


def test_an_unknown_activity_kind_is_refused() -> None:
    errors = refused_fields(submit(activities=[activity("work"), activity("gardening")]))
    assert list(errors) == ["activities.1.kind"]
    assert "gardening" in errors["activities.1.kind"]


def test_an_activity_may_be_listed_only_once() -> None:
    errors = refused_fields(submit(activities=[activity("leisure"), activity("leisure", "1")]))
    assert list(errors) == ["activities.1.kind"]


def test_claimed_hours_must_be_more_than_zero() -> None:
    # Above 168 (the hours of a week) the contract itself refuses (ActivityRequest).
    errors = refused_fields(submit(activities=[activity("work", "0")]))
    assert list(errors) == ["activities.0.hours_per_week"]


def test_claims_above_the_caps_are_accepted_for_the_decision_to_cut() -> None:
    # rules.md §4.1: claims are cut to the caps when deciding, not refused at intake.
    event = submitted(submit(activities=[activity("work", "40"), activity("leisure", "168")]))
    assert [str(a.hours_per_week) for a in event.activities] == ["40", "168"]


def test_an_application_needs_a_phone_or_an_email() -> None:
    errors = refused_fields(submit(applicant=person(phone=None, email=None)))
    assert list(errors) == ["applicant.phone"]
    assert "rules.md §5.2" in errors["applicant.phone"]


def test_an_email_alone_is_a_contact() -> None:
    submitted(submit(applicant=person(phone=None, email="janis@example.lv")))


def test_the_representatives_contact_is_enough() -> None:
    child = person(personal_code=CHILD_CODE, birth_date=CHILD_BIRTH, phone=None, email=None)
    assert submitted(child_submission(applicant=child)).applicant.phone is None


def test_an_application_cannot_be_received_in_the_future() -> None:
    errors = refused_fields(submit(received_on=TODAY + timedelta(days=1)))
    assert list(errors) == ["received_on"]


def test_an_application_received_today_is_accepted() -> None:
    assert submitted(submit(received_on=TODAY)).received_on == TODAY


def test_the_requested_start_cannot_be_before_the_receipt() -> None:
    errors = refused_fields(submit(requested_start=RECEIVED - timedelta(days=1)))
    assert list(errors) == ["requested_start"]


def test_every_bad_field_is_named_at_once() -> None:
    command = submit(
        received_on=TODAY + timedelta(days=3),
        applicant=person(personal_code="000000-00000", phone=None),
        activities=[activity("flying")],
    )
    assert set(refused_fields(command)) == {
        "received_on",
        "applicant.personal_code",
        "applicant.phone",
        "activities.0.kind",
    }


def test_an_application_id_cannot_be_submitted_twice() -> None:
    with pytest.raises(ApplicationAlreadyExists):
        domain.decide(submit(), submitted_state())
