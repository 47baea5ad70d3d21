"""The words of the rules: string enums shared by assessment, periods, timesheets and money.

Each is a `StrEnum`, so the plain strings of rules.md (`"work"`, `"LV-2021"`) are accepted
as input and compare equal to the members.
"""

from enum import StrEnum


class RuleSetId(StrEnum):
    """rules.md §2: the rule set a decision records."""

    LV_2013 = "LV-2013"
    LV_2021 = "LV-2021"


class Unit(StrEnum):
    """rules.md §4.1 (LV-2013, week), §4.2a (adults under LV-2021, month) and §4.3 (children
    under LV-2021, month). Time reports key on a grant's unit, never on the person's age."""

    WEEK = "week"
    MONTH = "month"


class ActivityKind(StrEnum):
    """rules.md §4.1: what the assistant's hours are for."""

    WORK = "work"
    EDUCATION = "education"
    HIGHER_EDUCATION = "higher_education"
    DAY_CARE = "day_care"
    INSTITUTIONS = "institutions"
    SOCIAL_ACTIVITIES = "social_activities"
    LEISURE = "leisure"


class Opinion(StrEnum):
    """rules.md §3.1–3.2: the opinion of the state medical commission (VDEĀVK)."""

    ASSISTANT_NEEDED = "assistant_needed"  # adults: an assistant is needed
    SPECIAL_CARE = "special_care"  # children: special care because of severe impairment


class FunctionalLimitation(StrEnum):
    """rules.md §3.1 (LV-2021, Reg. 316 p. 3): the kinds of functional limitation that qualify."""

    VISION = "vision"
    MOBILITY = "mobility"
    MENTAL = "mental"


class NeedResult(StrEnum):
    """rules.md §3.1 (LV-2021): the result of the social service's Annex 1 assessment."""

    NOT_ESTABLISHED = "need_not_established"
    LEVEL_1 = "intensity_level_1"
    LEVEL_2 = "intensity_level_2"


class Purpose(StrEnum):
    """rules.md §4.2a (LV-2021 adults): what the assistant's monthly hours are for."""

    WORK_STUDY_SPORT = "work_study_sport"
    SCHOOL_BOARD = "school_board"
    VOLUNTEER_DAYCARE_TREATMENT = "volunteer_daycare_treatment"
    CHILDHOOD_GROUP1_DAYCARE = "childhood_group1_daycare"
    CHILDHOOD_GROUP1_OTHER = "childhood_group1_other"


# rules.md §4.2a: the purposes only for group I since childhood with special-care indications.
CHILDHOOD_PURPOSES = frozenset({Purpose.CHILDHOOD_GROUP1_DAYCARE, Purpose.CHILDHOOD_GROUP1_OTHER})


class Residence(StrEnum):
    """rules.md §3.3: where the person lives; anything but home excludes the service."""

    HOME = "home"
    LONG_TERM_CARE = "long_term_care"
    INPATIENT = "inpatient"
    PRISON = "prison"


class AgeGroup(StrEnum):
    """rules.md §3.1–3.2: age on the first day of the period."""

    ADULT = "adult"
    CHILD = "child"
    UNDER_FIVE = "under_five"


class RefusalReason(StrEnum):
    """rules.md §3.4 codes, plus two extras of §4.4 (marked)."""

    NOT_SEVERE_DISABILITY = "NOT_SEVERE_DISABILITY"
    NO_COMMISSION_OPINION = "NO_COMMISSION_OPINION"  # LV-2013 adults; children
    NO_FUNCTIONAL_LIMITATION = "NO_FUNCTIONAL_LIMITATION"  # LV-2021 adults
    NEED_NOT_ESTABLISHED = "NEED_NOT_ESTABLISHED"  # LV-2021 adults
    TOO_YOUNG = "TOO_YOUNG"
    IN_INSTITUTION = "IN_INSTITUTION"
    VISION_BENEFIT_COVERS_NEED = "VISION_BENEFIT_COVERS_NEED"
    NO_ELIGIBLE_ACTIVITY = "NO_ELIGIBLE_ACTIVITY"
    # Extra (rules.md §4.4, "a grant never outlives the disability status or the opinion"):
    DISABILITY_EXPIRED = "DISABILITY_EXPIRED"
    OPINION_EXPIRED = "OPINION_EXPIRED"
    # rules.md §3.5: the declared residence is in another municipality; the caseworker's
    # finding, not the engine's (legal basis: Reg. 316 p. 2, legal.md §1).
    RESIDENCE_ELSEWHERE = "RESIDENCE_ELSEWHERE"


# Every refusal carries its legal basis (rules.md §3.4): the section that makes it a refusal.
REFUSAL_SECTIONS: dict[RefusalReason, str] = {
    RefusalReason.NOT_SEVERE_DISABILITY: "rules.md §3.1, §3.4",
    RefusalReason.NO_COMMISSION_OPINION: "rules.md §3.1, §3.2, §3.4",
    RefusalReason.NO_FUNCTIONAL_LIMITATION: "rules.md §3.1, §3.4",
    RefusalReason.NEED_NOT_ESTABLISHED: "rules.md §3.1, §3.4",
    RefusalReason.TOO_YOUNG: "rules.md §3.2",
    RefusalReason.IN_INSTITUTION: "rules.md §3.3",
    RefusalReason.VISION_BENEFIT_COVERS_NEED: "rules.md §4.2",
    RefusalReason.NO_ELIGIBLE_ACTIVITY: "rules.md §4.1, §4.2a",
    RefusalReason.DISABILITY_EXPIRED: "rules.md §4.4",
    RefusalReason.OPINION_EXPIRED: "rules.md §4.4",
    RefusalReason.RESIDENCE_ELSEWHERE: "rules.md §3.5",
}


class PeriodKind(StrEnum):
    """rules.md §4.4: the durations a decision may grant."""

    ONE_TIME = "one_time"
    ONE_MONTH = "one_month"
    SEVERAL_MONTHS = "several_months"
    END_OF_YEAR = "end_of_year"
    ONE_YEAR = "one_year"
    DISABILITY_VALIDITY = "disability_validity"


class TaxStatus(StrEnum):
    """rules.md §6.2: how the assistant is paid."""

    EMPLOYEE_LIKE = "employee_like"  # the municipality withholds taxes
    SELF_EMPLOYED = "self_employed"  # pays own taxes
