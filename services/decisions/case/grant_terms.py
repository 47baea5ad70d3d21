"""From verified facts to the terms of a grant: ``assess`` plus the caseworker's limits.

rules.md §4.5: a decision states hours, unit, breakdown, period, rule set and the trace.
The caseworker may grant fewer hours than the rules allow, with a written reason, never
more; the period may not end after what rules.md §4.4 allows (docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.decisions import (
    ActivityBreakdown,
    AssessmentRecorded,
    CaseOpened,
    NeedsAssessmentResult,
    PurposeHours,
)
from shared.errors import FieldError, InvalidCommand, invalid
from shared.rules import (
    ActivityClaim,
    AgeGroup,
    Assessment,
    AssessmentRequest,
    FactError,
    FunctionalLimitation,
    MissingFactError,
    NeedResult,
    NeedsAssessment,
    Opinion,
    PeriodKind,
    Purpose,
    Residence,
    RulesError,
    RuleSetId,
    assess,
)
from shared.rules.periods import lv_2013_period_kind
from shared.rules.vocabulary import ActivityKind

Proof = Annotated[str, Field(min_length=1, max_length=500, description="rules.md §5.3")]


class VerifiedActivityInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ActivityKind
    hours_per_week: Decimal = Field(ge=0, le=168, allow_inf_nan=False)


class NeedsAssessmentInput(BaseModel):
    """rules.md §3.1 (LV-2021): the social service's Annex 1 result, as the caseworker enters it."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    result: NeedResult
    assessor: str = Field(min_length=1, max_length=200, description="Who made the assessment")
    assessed_on: date = Field(description="Never after today, nor after the decision")


class VerifiedPurposeInput(BaseModel):
    """rules.md §4.2a: a purpose the caseworker verified, with its proof (§5.3)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    purpose: Purpose
    proof: Proof


class AssessmentFacts(BaseModel):
    """What the caseworker verified (rules.md §3–4, §5.3): the input of ``assess``.

    LV-2013 facts (the opinion, weekly activities) and LV-2021 adult facts (functional
    limitations or indications, the needs assessment, purposes with proofs) sit side by
    side; the rule set in force on the decision date reads its own (rules.md §2).
    """

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
    functional_limitations: list[FunctionalLimitation] = Field(default_factory=list)
    car_adaptation_indications: bool = False
    group1_since_childhood_special_care: bool = False
    dialysis_or_stage_iv_cancer_therapy: bool = False
    needs_assessment: NeedsAssessmentInput | None = None
    purposes: list[VerifiedPurposeInput] = Field(default_factory=list)

    def errors_on(self, today: date, prefix: str = "") -> list[FieldError]:
        """Facts that cannot be true on ``today``: an assessment made in the future."""
        needs = self.needs_assessment
        if needs is not None and needs.assessed_on > today:
            return [
                FieldError(
                    f"{prefix}needs_assessment.assessed_on",
                    f"{needs.assessed_on} is after today ({today}); record an assessment "
                    "once it is made (rules.md §3.1)",
                    "ASSESSMENT_AFTER_DECISION",
                )
            ]
        return []

    def needs_result(self) -> NeedsAssessmentResult | None:
        needs = self.needs_assessment
        return None if needs is None else NeedsAssessmentResult(**needs.model_dump())

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
    opened: CaseOpened,
    facts: AssessmentFacts,
    period_start: date,
    start_field: str,
    decided_on: date,
    facts_field: str = "",
) -> Assessment:
    """``shared.rules.assess`` on the facts, decided on ``decided_on`` (rules.md §2).

    A date no rule set covers is a bad ``start_field``; a missing or impossible fact
    (the LV-2021 needs assessment, rules.md §3.1) is a bad field named after the fact,
    under ``facts_field`` (``assessment.`` when the facts came in the request body).
    """
    needs = facts.needs_assessment
    request = AssessmentRequest(
        period_start=period_start,
        decided_on=decided_on,
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
        functional_limitations=frozenset(facts.functional_limitations),
        car_adaptation_indications=facts.car_adaptation_indications,
        needs_assessment=None if needs is None else NeedsAssessment(**needs.model_dump()),
        purposes=frozenset(p.purpose for p in facts.purposes),
        group1_since_childhood_special_care=facts.group1_since_childhood_special_care,
        dialysis_or_stage_iv_cancer_therapy=facts.dialysis_or_stage_iv_cancer_therapy,
    )
    try:
        return assess(request)
    except FactError as error:
        code = "MISSING_FACT" if isinstance(error, MissingFactError) else "FACT_AFTER_DECISION"
        raise invalid(f"{facts_field}{error.fact}", error.message, code) from None
    except RulesError as error:
        raise invalid(start_field, str(error)) from None


def purpose_hours(assessment: Assessment) -> list[PurposeHours]:
    """rules.md §4.2a: every applicable purpose with its hours, for the decision event."""
    return [
        PurposeHours(purpose=line.purpose, hours=line.hours, source=line.source)
        for line in assessment.purpose_hours
    ]


@dataclass(frozen=True)
class GrantTerms:
    assessment: Assessment
    hours: Decimal
    period_start: date
    period_end: date
    reduction_reason: str | None
    period_kind: PeriodKind | None = None  # LV-2013 (rules.md §4.4)
    period_months: int | None = None  # with PeriodKind.SEVERAL_MONTHS

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
    kind = None
    if assessment.rule_set is RuleSetId.LV_2013 and period_start <= end <= limit:
        # rules.md §4.4: under LV-2013 a period is one of five kinds, cut at the limit.
        kind = lv_2013_period_kind(period_start, end, limit)
        if kind is None:
            errors.append(
                FieldError(
                    "period_end",
                    f"a period from {period_start.isoformat()} to {end.isoformat()} is none of "
                    "the LV-2013 kinds (rules.md §4.4): one day, one month, several months, to "
                    "the end of the calendar year, or one year (each cut at "
                    f"{limit.isoformat()}, the longest the rules allow)",
                    "PERIOD_KIND_UNKNOWN",
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
    return GrantTerms(
        assessment,
        granted,
        period_start,
        end,
        reason if granted < allowed else None,
        None if kind is None else kind[0],
        None if kind is None else kind[1],
    )
