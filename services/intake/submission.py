"""The checks of a new application (rules.md §5.1–5.2, §4.1, §10): pure, every error at once.

A caseworker fixing an application wants the whole list of what is wrong, so each check
adds to one list instead of stopping at the first problem.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from services.intake.errors import FieldError
from shared.contracts.intake import ActivityRequest, Person, PurposeRequest, Representative
from shared.rules import (
    CHILDHOOD_PURPOSES,
    ActivityKind,
    InvalidPersonalCode,
    age_on,
    birth_date_from_personal_code,
    normalize_personal_code,
)

if TYPE_CHECKING:
    from services.intake.commands import SubmitApplication

ADULT_AGE = 18  # rules.md §3.1–3.2: a child is under 18
MAX_WEEKLY_HOURS = Decimal(168)  # the hours of a week: a claim above it is a typing error
ACTIVITY_KINDS = frozenset(kind.value for kind in ActivityKind)  # rules.md §4.1


def check_submission(command: SubmitApplication) -> list[FieldError]:
    errors = _check_dates(command)
    errors += _check_applicant(command.applicant, command.received_on)
    if command.representative is not None:
        errors += _check_code("representative.personal_code", command.representative.personal_code)
    is_child = age_on(command.applicant.birth_date, command.received_on) < ADULT_AGE
    if is_child and command.representative is None:
        # rules.md §5.1: a child applies through a parent, foster family or guardian.
        errors.append(
            FieldError(
                "representative",
                "the applicant is under 18 on received_on: a legal representative "
                "must apply for a child (rules.md §5.1)",
            )
        )
    if not _has_contact(command.applicant, command.representative):
        # rules.md §5.2: phone or e-mail. Decision (docs/intake.md): the representative's
        # contact is enough, since the social service talks to whoever applied.
        errors.append(
            FieldError(
                "applicant.phone",
                "give a phone number or an e-mail address (applicant.phone or applicant.email,"
                " or the representative's) (rules.md §5.2)",
            )
        )
    errors += _check_activities(
        command.activities, is_child=is_child, has_purposes=bool(command.purposes)
    )
    errors += _check_purposes(
        command.purposes, childhood=command.group1_since_childhood_special_care
    )
    return errors


def normalised(
    applicant: Person, representative: Representative | None
) -> tuple[Person, Representative | None]:
    """The same persons with personal codes as 11 digits (rules.md §10); codes already checked."""
    applicant = applicant.model_copy(
        update={"personal_code": normalize_personal_code(applicant.personal_code)}
    )
    if representative is not None:
        representative = representative.model_copy(
            update={"personal_code": normalize_personal_code(representative.personal_code)}
        )
    return applicant, representative


def _check_dates(command: SubmitApplication) -> list[FieldError]:
    errors = []
    if command.received_on > command.today:
        errors.append(
            FieldError(
                "received_on", f"must not be in the future (today in Riga is {command.today})"
            )
        )
    if command.requested_start is not None and command.requested_start < command.received_on:
        # Decision (docs/intake.md): the service is not asked for retroactively.
        errors.append(FieldError("requested_start", "must not be before received_on"))
    return errors


def _check_applicant(applicant: Person, received_on: date) -> list[FieldError]:
    errors = _check_code("applicant.personal_code", applicant.personal_code)
    if applicant.birth_date > received_on:
        errors.append(FieldError("applicant.birth_date", "must not be after received_on"))
    if errors:
        return errors
    # rules.md §10: an old-format code carries the birth date and its century; new codes do
    # not, which is why the application asks for the birth date at all.
    from_code = birth_date_from_personal_code(applicant.personal_code)
    if from_code is not None and from_code != applicant.birth_date:
        errors.append(
            FieldError(
                "applicant.birth_date",
                f"does not match the personal code, which gives {from_code} (rules.md §10)",
            )
        )
    return errors


def _check_code(name: str, code: str) -> list[FieldError]:
    try:
        normalize_personal_code(code)
    except InvalidPersonalCode as error:
        return [FieldError(name, f"not a valid personal code: {error} (rules.md §10)")]
    return []


def _has_contact(applicant: Person, representative: Representative | None) -> bool:
    people: list[Person | Representative] = [applicant]
    if representative is not None:
        people.append(representative)
    return any(p.phone or p.email for p in people)


def _check_activities(
    activities: list[ActivityRequest], *, is_child: bool, has_purposes: bool
) -> list[FieldError]:
    errors = []
    if not activities and not has_purposes and not is_child:
        # rules.md §4.1, §4.2a: an adult's hours are assessed per activity (LV-2013) or per
        # purpose (LV-2021); with neither there is nothing to assess.
        # rules.md §4.3: a child's hours are fixed per month, so a child may list none.
        errors.append(
            FieldError(
                "activities",
                "an adult must list at least one purpose (rules.md §4.2a) or activity",
            )
        )
    seen: set[str] = set()
    for index, activity in enumerate(activities):
        where = f"activities.{index}"
        if activity.kind not in ACTIVITY_KINDS:
            known = ", ".join(sorted(ACTIVITY_KINDS))
            errors.append(
                FieldError(f"{where}.kind", f"unknown kind {activity.kind!r}; one of {known}")
            )
        elif activity.kind in seen:
            errors.append(
                FieldError(f"{where}.kind", f"{activity.kind} is listed twice; list it once")
            )
        seen.add(activity.kind)
        if not 0 < activity.hours_per_week <= MAX_WEEKLY_HOURS:
            errors.append(
                FieldError(f"{where}.hours_per_week", "must be more than 0 and at most 168")
            )
    return errors


def _check_purposes(purposes: list[PurposeRequest], *, childhood: bool) -> list[FieldError]:
    """rules.md §4.2a, §5.3: each purpose once, with its proof; the childhood rows only for
    group I since childhood with special-care indications."""
    errors = []
    seen: set[str] = set()
    for index, claim in enumerate(purposes):
        where = f"purposes.{index}"
        if claim.purpose in seen:
            errors.append(
                FieldError(f"{where}.purpose", f"{claim.purpose} is listed twice; list it once")
            )
        seen.add(claim.purpose)
        if not claim.proof.strip():
            errors.append(
                FieldError(f"{where}.proof", "each purpose needs its proof (rules.md §5.3)")
            )
        if claim.purpose in CHILDHOOD_PURPOSES and not childhood:
            errors.append(
                FieldError(
                    f"{where}.purpose",
                    f"{claim.purpose} is only for group I since childhood with special-care "
                    "indications: set group1_since_childhood_special_care (rules.md §4.2a)",
                )
            )
    return errors
