"""Input and output of `assess` (rules.md §3–4): plain pydantic data, no behaviour."""

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.rules.vocabulary import (
    ActivityKind,
    AgeGroup,
    FunctionalLimitation,
    NeedResult,
    Opinion,
    Purpose,
    RefusalReason,
    Residence,
    RuleSetId,
    Unit,
)

Hours = Decimal


class ActivityClaim(BaseModel):
    """One activity the person wants the assistant for, with the weekly hours it needs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ActivityKind
    hours_per_week: Decimal = Field(ge=0, allow_inf_nan=False)

    def __init__(
        self,
        kind: ActivityKind | str | None = None,
        hours_per_week: Decimal | int | str | None = None,
        /,
        **data: Any,
    ) -> None:
        # Allow the short positional form ActivityClaim("work", Decimal(10)) as well as keywords.
        if kind is not None:
            data["kind"] = kind
        if hours_per_week is not None:
            data["hours_per_week"] = hours_per_week
        super().__init__(**data)


class NeedsAssessment(BaseModel):
    """rules.md §3.1 (LV-2021): the social service's Annex 1 result, a recorded fact.

    The product records the result; it does not score the questionnaire (rules.md §4.2a).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    result: NeedResult
    assessor: str = Field(min_length=1, max_length=200)
    assessed_on: date

    @property
    def intensity_level(self) -> Literal[1, 2] | None:
        if self.result is NeedResult.LEVEL_1:
            return 1
        if self.result is NeedResult.LEVEL_2:
            return 2
        return None


class AssessmentRequest(BaseModel):
    """What `assess` needs to know about the person and the period applied for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period_start: date  # the person's age on it makes an adult or a child, rules.md §3
    birth_date: date
    # rules.md §2: the day the decision is taken selects the rule set and its dated rows.
    # None: a what-if assessment, read as a decision taken on the period start.
    decided_on: date | None = None
    disability_group: Literal[1, 2, 3] | None = None
    vision_disability: bool = False  # group (or a child's disability) set because of vision
    opinion: Opinion | None = None
    receives_vision_benefit: bool = False
    residence: Residence = Residence.HOME
    activities: list[ActivityClaim] = Field(default_factory=list)
    weekly_medical_procedures: bool = False
    disability_valid_until: date | None = None
    opinion_valid_until: date | None = None  # extra, rules.md §4.4
    # LV-2021 adults (rules.md §3.1, §4.2a):
    functional_limitations: frozenset[FunctionalLimitation] = frozenset()
    car_adaptation_indications: bool = False  # VDEĀVK: adapt a car, transport-cost benefit
    needs_assessment: NeedsAssessment | None = None
    purposes: frozenset[Purpose] = frozenset()  # verified, each with its proof (§5.3)
    group1_since_childhood_special_care: bool = False  # §4.2a childhood rows
    dialysis_or_stage_iv_cancer_therapy: bool = False  # §3.1, Reg. 316 p. 17

    @property
    def decision_date(self) -> date:
        return self.decided_on or self.period_start


class ActivityGrant(BaseModel):
    """One line of the activity breakdown of a decision (rules.md §4.5)."""

    model_config = ConfigDict(frozen=True)

    kind: ActivityKind
    claimed: Decimal
    granted: Decimal


class PurposeGrant(BaseModel):
    """rules.md §4.2a: one applicable purpose and its monthly hours at the assessed level."""

    model_config = ConfigDict(frozen=True)

    purpose: Purpose
    hours: Decimal
    source: str


class Assessment(BaseModel):
    """The outcome of `assess`: what a decision states (rules.md §4.5)."""

    model_config = ConfigDict(frozen=True)

    eligible: bool
    decided_on: date  # rules.md §2: the date that chose the rule set
    refusal_reasons: list[RefusalReason]
    rule_set: RuleSetId
    legal_basis: str
    age_group: AgeGroup
    unit: Unit
    need_hours: Decimal
    paid_hours: Decimal
    breakdown: list[ActivityGrant]
    max_period_end: date | None
    trace: list[str]
    # LV-2021 adults (rules.md §4.2a): the purpose whose hours apply, the intensity level,
    # every applicable purpose with its hours, and whether Reg. 316 p. 17 carried it (§3.1).
    purpose: Purpose | None = None
    intensity_level: Literal[1, 2] | None = None
    purpose_hours: list[PurposeGrant] = Field(default_factory=list)
    p17_exception: bool = False
