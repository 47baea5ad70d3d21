"""Volume of the service: weekly caps, the vision rule, children's monthly hours (rules.md §4)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from shared.rules.models import ActivityClaim, ActivityGrant
from shared.rules.tables import RuleSet, in_force
from shared.rules.vocabulary import ActivityKind, Unit

ZERO = Decimal(0)


@dataclass(frozen=True)
class WeeklyNeed:
    breakdown: list[ActivityGrant]
    need: Decimal
    trace: list[str]


def merge_claims(claims: Sequence[ActivityClaim]) -> list[tuple[ActivityKind, Decimal]]:
    """Sum claims of the same kind, keeping the order of first appearance.

    Decision (docs/rules.md): two jobs are both `work`; the cap of rules.md §4.1 is per kind,
    so the kind's hours are added before the cap is applied.
    """
    totals: dict[ActivityKind, Decimal] = {}
    for claim in claims:
        totals[claim.kind] = totals.get(claim.kind, ZERO) + claim.hours_per_week
    return list(totals.items())


def weekly_need(
    claims: Sequence[ActivityClaim], rule_set: RuleSet, higher_education_allowed: bool
) -> WeeklyNeed:
    """rules.md §4.1 (LV-2013): cut each activity to its cap, then the sum to the weekly total.

    The total is shared out in the order the activities were claimed (decision, docs/rules.md),
    so the breakdown always adds up to the need.
    """
    trace: list[str] = []
    breakdown: list[ActivityGrant] = []
    if rule_set.weekly_total is None:
        raise ValueError(f"{rule_set.id} has no weekly hours (rules.md §2 Correction)")
    left = rule_set.weekly_total
    for kind, claimed in merge_claims(claims):
        cap = rule_set.weekly_caps[kind]
        if kind is ActivityKind.HIGHER_EDUCATION and not higher_education_allowed:
            cap = ZERO
            trace.append(
                f"rules.md §4.1: higher_education not granted under {rule_set.id} "
                "(only group I for vision, or a child disabled by vision)"
            )
        capped = min(claimed, cap)
        if capped < claimed and cap > ZERO:
            trace.append(f"rules.md §4.1: {kind} cut from {claimed} to the cap {cap} h/week")
        granted = min(capped, left)
        if granted < capped:
            trace.append(
                f"rules.md §4.1: {kind} cut from {capped} to {granted} h/week "
                f"to keep the total within {rule_set.weekly_total}"
            )
        left -= granted
        breakdown.append(ActivityGrant(kind=kind, claimed=claimed, granted=granted))
    need = sum((line.granted for line in breakdown), ZERO)
    trace.append(f"rules.md §4.1: weekly need {need} h (total cap {rule_set.weekly_total})")
    return WeeklyNeed(breakdown=breakdown, need=need, trace=trace)


def after_vision_rule(need: Decimal, rule_set: RuleSet) -> Decimal:
    """rules.md §4.2: the first 10 hours of the weekly need are not paid by the municipality."""
    return max(ZERO, need - (rule_set.vision_unpaid_hours or ZERO))


def child_monthly_hours(
    rule_set: RuleSet, weekly_medical_procedures: bool, decided_on: date
) -> Decimal:
    """rules.md §4.3: a fixed 80 h/month, or 100 h/month with weekly procedures (S4).

    Both are dated rows chosen by the decision date (rules.md §2): the 100 h row is in
    force from 26.05.2022 (Reg. No. 315); a decision taken before gives every child 80.
    """
    table = (
        rule_set.child_monthly_hours_with_procedures
        if weekly_medical_procedures
        else rule_set.child_monthly_hours
    )
    hours = in_force(table, decided_on)
    if hours is None:
        raise ValueError(f"{rule_set.id} has no fixed monthly hours for children")
    return hours


CENT = Decimal("0.01")  # the weekly equivalent is rounded to the cent


def weekly_equivalent(hours: Decimal, unit: Unit) -> Decimal:
    """Weekly hours of a grant, for the assistant's 40 h/week of rules.md §6.1.

    Decision (docs/decisions.md): a child's month grant (rules.md §4.3) counts as
    hours x 12 / 52 a week (80 h/month -> 18.46 h/week, 100 -> 23.08), rounded half-up
    to the cent: a year has 12 months and 52 weeks, and the family may spread the hours
    over the month as it likes, so the average week is the fair measure.
    """
    if unit is Unit.WEEK:
        return hours
    return (hours * 12 / 52).quantize(CENT, rounding=ROUND_HALF_UP)
