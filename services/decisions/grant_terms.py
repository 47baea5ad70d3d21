"""From verified facts to the terms of a grant: ``assess`` plus the caseworker's limits.

rules.md §4.5: a decision states hours, unit, breakdown, period, rule set and the trace.
The caseworker may grant fewer hours than the rules allow, with a written reason, never
more; the period may not end after what rules.md §4.4 allows (docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.decisions.domain import FieldError, InvalidCommand, invalid
from shared.contracts.decisions import ActivityBreakdown, AssessmentRecorded, CaseOpened
from shared.rules import (
    ActivityClaim,
    AgeGroup,
    Assessment,
    AssessmentRequest,
    Opinion,
    Residence,
    RulesError,
    assess,
)
from shared.rules.vocabulary import ActivityKind


class VerifiedActivityInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ActivityKind
    hours_per_week: Decimal = Field(ge=0, le=168, allow_inf_nan=False)


class AssessmentFacts(BaseModel):
    """What the caseworker verified (rules.md §3–4, §5.3): the input of ``assess``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    disability_group: Literal[1, 2, 3] | None = None
    vision_disability: bool = False
    opinion: Opinion | None = None
    opinion_valid_until: date | None = None
    disability_valid_until: date | None = None
    receives_vision_benefit: bool = False
    residence: Residence = Residence.HOME
    weekly_medical_procedures: bool = False
    activities: list[VerifiedActivityInput] = Field(default_factory=list)
    note: str = ""

    @classmethod
    def of(cls, recorded: AssessmentRecorded) -> AssessmentFacts:
        return cls.model_validate(recorded.model_dump(exclude={"case_id", "assessed_on"}))

    def recorded(self, case_id: str, assessed_on: date) -> AssessmentRecorded:
        return AssessmentRecorded(case_id=case_id, assessed_on=assessed_on, **self.model_dump())

    def vision_group(self, assessment: Assessment) -> bool:
        """An adult with group I for vision (rules.md §3.1): a ministry figure (§9)."""
        return (
            assessment.age_group is AgeGroup.ADULT
            and self.disability_group == 1
            and self.vision_disability
        )


def run_assessment(
    opened: CaseOpened, facts: AssessmentFacts, period_start: date, start_field: str
) -> Assessment:
    """``shared.rules.assess`` on the facts; a date no rule set covers is a bad field."""
    request = AssessmentRequest(
        period_start=period_start,
        birth_date=opened.client.birth_date,
        disability_group=facts.disability_group,
        vision_disability=facts.vision_disability,
        opinion=facts.opinion,
        receives_vision_benefit=facts.receives_vision_benefit,
        residence=facts.residence,
        activities=[ActivityClaim(a.kind, a.hours_per_week) for a in facts.activities],
        weekly_medical_procedures=facts.weekly_medical_procedures,
        disability_valid_until=facts.disability_valid_until,
        opinion_valid_until=facts.opinion_valid_until,
    )
    try:
        return assess(request)
    except RulesError as error:
        raise invalid(start_field, str(error)) from None


@dataclass(frozen=True)
class GrantTerms:
    assessment: Assessment
    hours: Decimal
    period_start: date
    period_end: date
    reduction_reason: str | None

    @property
    def breakdown(self) -> list[ActivityBreakdown]:
        return [
            ActivityBreakdown(kind=line.kind, claimed=line.claimed, granted=line.granted)
            for line in self.assessment.breakdown
        ]


def grant_terms(
    assessment: Assessment,
    *,
    period_start: date,
    period_end: date | None,
    hours: Decimal | None,
    reduction_reason: str | None,
    start_field: str = "period_start",
) -> GrantTerms:
    """The hours and period of an eligible assessment, within the caseworker's limits.

    Every bad field is reported at once (architecture.md §5).
    """
    assert assessment.eligible and assessment.max_period_end is not None
    errors: list[FieldError] = []
    limit = assessment.max_period_end
    end = limit if period_end is None else period_end
    if end < period_start:
        errors.append(FieldError("period_end", f"ends before {start_field} {period_start}"))
    elif end > limit:
        errors.append(
            FieldError(
                "period_end",
                f"may not end after {limit.isoformat()}, the longest period the rules allow "
                "(rules.md §4.4: rule set maximum, disability status, opinion, childhood)",
                "PERIOD_TOO_LONG",
            )
        )
    allowed = assessment.paid_hours
    granted = allowed if hours is None else hours
    reason = (reduction_reason or "").strip() or None
    if granted > allowed:
        errors.append(
            FieldError(
                "hours",
                f"{granted} h per {assessment.unit} is more than the {allowed} h the rules "
                "allow (rules.md §4.1–4.3); a caseworker may grant fewer, never more",
                "MORE_THAN_RULES_ALLOW",
            )
        )
    elif granted < allowed and reason is None:
        errors.append(
            FieldError(
                "reduction_reason",
                f"granting {granted} h instead of the {allowed} h the rules allow needs a "
                "written reason",
                "REASON_REQUIRED",
            )
        )
    if errors:
        raise InvalidCommand(errors)
    return GrantTerms(assessment, granted, period_start, end, reason if granted < allowed else None)
