"""Small builders of assessment requests for the rules tests (no fixtures, no conftest)."""

from datetime import date
from decimal import Decimal
from typing import Any

from shared.rules import ActivityClaim, AssessmentRequest

LV_2013_DAY = date(2019, 3, 1)
LV_2021_DAY = date(2023, 3, 1)  # after the Reg. 315 rows of 26.05.2022 (rules.md §4.2a, §4.3)
REG_315_DAY = date(2022, 5, 26)  # rules.md §4.2a, §4.3: the amendment rows start this day
ASSESSED_ON = date(2021, 7, 1)  # an LV-2021 needs assessment made before any test decision


def years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


def claims(**hours: int | str | Decimal) -> list[ActivityClaim]:
    return [ActivityClaim(kind, Decimal(value)) for kind, value in hours.items()]


def needs(result: str = "intensity_level_1", on: date = ASSESSED_ON) -> dict[str, Any]:
    """rules.md §3.1: the social service's recorded assessment result."""
    return {"result": result, "assessor": "Inga Vanaga", "assessed_on": on}


def adult(on: date = LV_2013_DAY, **overrides: Any) -> AssessmentRequest:
    """An adult eligible under either rule set: group II; for LV-2013 the opinion that an
    assistant is needed and 10 h/week of work; for LV-2021 a mobility limitation, the
    social service's assessment at intensity level 1 and the purpose work_study_sport."""
    fields: dict[str, Any] = {
        "period_start": on,
        "birth_date": years_before(on, 40),
        "disability_group": 2,
        "opinion": "assistant_needed",
        "activities": claims(work=10),
        "functional_limitations": {"mobility"},
        "needs_assessment": needs(),
        "purposes": {"work_study_sport"},
    }
    fields.update(overrides)
    return AssessmentRequest(**fields)


def vision_adult(on: date = LV_2013_DAY, **overrides: Any) -> AssessmentRequest:
    """An adult with group I for vision who receives the vision benefit, no opinion."""
    fields: dict[str, Any] = {
        "disability_group": 1,
        "vision_disability": True,
        "receives_vision_benefit": True,
        "opinion": None,
    }
    fields.update(overrides)
    return adult(on, **fields)


def child(on: date = LV_2021_DAY, age: int = 10, **overrides: Any) -> AssessmentRequest:
    """An eligible child (special-care opinion, no group; 10 h of school for LV-2013)."""
    fields: dict[str, Any] = {
        "period_start": on,
        "birth_date": years_before(on, age),
        "opinion": "special_care",
        "activities": claims(education=10),
    }
    fields.update(overrides)
    return AssessmentRequest(**fields)
