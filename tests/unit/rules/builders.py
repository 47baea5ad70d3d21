"""Small builders of assessment requests for the rules tests (no fixtures, no conftest)."""

from datetime import date
from decimal import Decimal
from typing import Any

from shared.rules import ActivityClaim, AssessmentRequest

LV_2013_DAY = date(2019, 3, 1)
LV_2021_DAY = date(2022, 3, 1)


def years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


def claims(**hours: int | str | Decimal) -> list[ActivityClaim]:
    return [ActivityClaim(kind, Decimal(value)) for kind, value in hours.items()]


def adult(on: date = LV_2021_DAY, **overrides: Any) -> AssessmentRequest:
    """An eligible adult (group II, opinion that an assistant is needed, 10 h of work)."""
    fields: dict[str, Any] = {
        "period_start": on,
        "birth_date": years_before(on, 40),
        "disability_group": 2,
        "opinion": "assistant_needed",
        "activities": claims(work=10),
    }
    fields.update(overrides)
    return AssessmentRequest(**fields)


def vision_adult(on: date = LV_2021_DAY, **overrides: Any) -> AssessmentRequest:
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
