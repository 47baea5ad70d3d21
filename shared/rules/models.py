"""Input and output of `assess` (rules.md §3–4): plain pydantic data, no behaviour."""

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.rules.vocabulary import (
    ActivityKind,
    AgeGroup,
    Opinion,
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


class AssessmentRequest(BaseModel):
    """What `assess` needs to know about the person and the period applied for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period_start: date  # selects the rule set, rules.md §2
    birth_date: date
    disability_group: Literal[1, 2, 3] | None = None
    vision_disability: bool = False  # group (or a child's disability) set because of vision
    opinion: Opinion | None = None
    receives_vision_benefit: bool = False
    residence: Residence = Residence.HOME
    activities: list[ActivityClaim] = Field(default_factory=list)
    weekly_medical_procedures: bool = False
    disability_valid_until: date | None = None
    opinion_valid_until: date | None = None  # extra, rules.md §4.4


class ActivityGrant(BaseModel):
    """One line of the activity breakdown of a decision (rules.md §4.5)."""

    model_config = ConfigDict(frozen=True)

    kind: ActivityKind
    claimed: Decimal
    granted: Decimal


class Assessment(BaseModel):
    """The outcome of `assess`: what a decision states (rules.md §4.5)."""

    model_config = ConfigDict(frozen=True)

    eligible: bool
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
