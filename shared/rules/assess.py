"""`assess`: eligibility, hours and the longest period for one application (rules.md §2–4)."""

from decimal import Decimal

from shared.rules.adults import MonthlyNeed, monthly_need
from shared.rules.eligibility import (
    Refusals,
    age_group,
    higher_education_allowed,
    refusals,
    rests_on_opinion,
    vision_rule_applies,
)
from shared.rules.hours import after_vision_rule, child_monthly_hours, weekly_need
from shared.rules.models import ActivityGrant, Assessment, AssessmentRequest
from shared.rules.periods import max_period_end
from shared.rules.tables import RuleSet, rule_set_for
from shared.rules.vocabulary import AgeGroup, RefusalReason, Unit

ZERO = Decimal(0)


def assess(request: AssessmentRequest) -> Assessment:
    """Decide eligibility, weekly or monthly hours and the latest period end.

    The rule set and its dated rows are those in force on the decision date (rules.md §2);
    the person's age is taken on the first day of the period (rules.md §3.1–3.2).
    Raises `NoRuleSetError` for a decision date before 2013-01-01 (rules.md §2), and a
    `FactError` when an LV-2021 adult's recorded assessment is missing or dated after the
    decision (rules.md §3.1).
    """
    decided_on = request.decision_date
    rule_set = rule_set_for(decided_on)
    chosen_by = "the decision date" if request.decided_on else "the period start (no decision)"
    trace = [
        f"rules.md §2: rule set {rule_set.id} ({rule_set.legal_basis}), "
        f"chosen by {chosen_by} {decided_on.isoformat()}"
    ]
    group = age_group(request, rule_set)
    trace.append(f"rules.md §3.1–3.2: {group} on {request.period_start.isoformat()}")
    found = refusals(request, rule_set, group, trace)

    breakdown: list[ActivityGrant] = []
    monthly = MonthlyNeed()
    unit = rule_set.adult_unit if group is AgeGroup.ADULT else rule_set.child_unit
    if group is AgeGroup.UNDER_FIVE:
        need = paid = ZERO
    elif group is AgeGroup.ADULT and unit is Unit.MONTH:
        monthly = monthly_need(request, rule_set, found)
        need = paid = monthly.hours
    elif group is AgeGroup.CHILD and unit is Unit.MONTH:
        need = paid = child_monthly_hours(rule_set, request.weekly_medical_procedures, decided_on)
        trace.append(
            f"rules.md §4.3: child under {rule_set.id}, fixed {need} h/month"
            + (" (weekly medical procedures)" if request.weekly_medical_procedures else "")
            + "; the family decides what the hours are for, activities are not assessed"
        )
    else:
        breakdown, need, paid = _weekly(request, rule_set, group, found)

    eligible = not found.reasons
    end = None
    if eligible:
        end = max_period_end(
            request.period_start,
            disability_valid_until=request.disability_valid_until,
            opinion_valid_until=(
                request.opinion_valid_until if rests_on_opinion(request, group, rule_set) else None
            ),
            birth_date=request.birth_date,
            decided_on=decided_on,
        )
        trace.append(f"rules.md §4.4: the period may run at most to {end.isoformat()}")
        trace.append(f"rules.md §4.5: granted {paid} h per {unit}")
    else:
        trace.append("rules.md §3.4: refused: " + ", ".join(found.reasons))
    return Assessment(
        eligible=eligible,
        decided_on=decided_on,
        refusal_reasons=list(found.reasons),
        rule_set=rule_set.id,
        legal_basis=rule_set.legal_basis,
        age_group=group,
        unit=unit,
        need_hours=need,
        paid_hours=paid if eligible else ZERO,
        breakdown=breakdown,
        max_period_end=end,
        trace=trace,
        purpose=monthly.purpose,
        intensity_level=monthly.level,
        purpose_hours=monthly.lines,
        p17_exception=monthly.p17_exception,
    )


def _weekly(
    request: AssessmentRequest, rule_set: RuleSet, group: AgeGroup, found: Refusals
) -> tuple[list[ActivityGrant], Decimal, Decimal]:
    """rules.md §4.1–4.2 (LV-2013; children too, §4.3: "assessed like adults")."""
    weekly = weekly_need(
        request.activities, rule_set, higher_education_allowed(request, group, rule_set)
    )
    found.trace.extend(weekly.trace)
    need = weekly.need
    if need == ZERO:
        found.add(RefusalReason.NO_ELIGIBLE_ACTIVITY, "rules.md §4.1: no activity gives any hours")
    paid = need
    if vision_rule_applies(request, group, rule_set):
        paid = after_vision_rule(need, rule_set)
        unpaid = rule_set.vision_unpaid_hours
        found.trace.append(
            f"rules.md §4.2: vision benefit, first {unpaid} h unpaid: {need} -> {paid} h/week"
        )
        if paid == ZERO:
            found.add(
                RefusalReason.VISION_BENEFIT_COVERS_NEED,
                f"rules.md §4.2: need {need} h is within the unpaid {unpaid} h",
            )
    return weekly.breakdown, need, paid
