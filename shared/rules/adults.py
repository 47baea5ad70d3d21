"""Adults under LV-2021: the social service's assessment and monthly hours by purpose.

rules.md §3.1: Reg. 316 p. 3 makes the social service assess an adult's need and support
intensity itself (Annex 1); its result is a recorded fact of the case, which `assess` reads
and never scores. rules.md §4.2a: hours per month of the highest applicable purpose at the
assessed intensity level. The p. 17 exception of rules.md §3.1 grants without an
established need.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from shared.rules.eligibility import Refusals
from shared.rules.errors import FactError, MissingFactError
from shared.rules.models import AssessmentRequest, PurposeGrant
from shared.rules.purposes import purpose_row
from shared.rules.tables import RuleSet
from shared.rules.vocabulary import CHILDHOOD_PURPOSES, Purpose, RefusalReason

ZERO = Decimal(0)
Level = Literal[1, 2]


@dataclass(frozen=True)
class MonthlyNeed:
    """rules.md §4.2a: what the purposes and the level give (hours 0 when no level)."""

    hours: Decimal = ZERO
    purpose: Purpose | None = None
    level: Level | None = None
    lines: list[PurposeGrant] = field(default_factory=list)
    p17_exception: bool = False


def p17_applies(request: AssessmentRequest, rule_set: RuleSet) -> bool:
    """rules.md §3.1: car-adaptation indications and regular haemodialysis or stage-IV cancer
    therapy (Reg. 316 p. 17 as amended by Reg. No. 315; a dated row of the rule set)."""
    since = rule_set.p17_exception_from
    return (
        since is not None
        and since <= request.decision_date
        and request.car_adaptation_indications
        and request.dialysis_or_stage_iv_cancer_therapy
    )


def assessed_level(
    request: AssessmentRequest, rule_set: RuleSet, found: Refusals
) -> tuple[Level | None, bool]:
    """rules.md §3.1: the intensity level the decision rests on, and whether p. 17 gave it.

    Raises `MissingFactError` when no assessment is recorded and no other ground of §3
    refuses the person already (a person who cannot qualify is not made to wait for the
    questionnaire), and `FactError` for an assessment dated after the decision.
    """
    needs = request.needs_assessment
    decided_on = request.decision_date
    if needs is None:
        if found.reasons:
            found.trace.append(
                "rules.md §3.1: no needs assessment recorded; not needed for this refusal"
            )
            return None, False
        raise MissingFactError(
            "needs_assessment",
            "an adult decided under LV-2021 needs the social service's recorded assessment "
            "(result, assessor, date) (rules.md §3.1, Reg. 316 p. 3)",
        )
    if needs.assessed_on > decided_on:
        raise FactError(
            "needs_assessment.assessed_on",
            f"the assessment of {needs.assessed_on.isoformat()} is after the decision date "
            f"{decided_on.isoformat()}; a decision rests only on facts established before it "
            "(rules.md §3.1)",
        )
    found.trace.append(
        f"rules.md §3.1: the social service's assessment of {needs.assessed_on.isoformat()}: "
        f"{needs.result}"
    )
    if needs.intensity_level is not None:
        return needs.intensity_level, False
    if p17_applies(request, rule_set):
        found.trace.append(
            "rules.md §3.1 (Reg. 316 p. 17): car-adaptation indications and regular "
            "haemodialysis or stage-IV cancer therapy: granted although the need was not "
            "established, at intensity level 1 (decision, docs/rules.md)"
        )
        return 1, True
    found.add(
        RefusalReason.NEED_NOT_ESTABLISHED,
        "rules.md §3.1, §3.4: the social service's assessment did not establish the need",
    )
    return None, False


def applicable_purposes(
    request: AssessmentRequest, p17_exception: bool, trace: list[str]
) -> list[Purpose]:
    """rules.md §4.2a: the verified purposes that apply, in the order of the table."""
    claimed = set(request.purposes)
    if p17_exception and Purpose.VOLUNTEER_DAYCARE_TREATMENT not in claimed:
        claimed.add(Purpose.VOLUNTEER_DAYCARE_TREATMENT)
        trace.append(
            "rules.md §4.2a: the p. 17 treatment is the purpose volunteer_daycare_treatment"
        )
    childhood = request.disability_group == 1 and request.group1_since_childhood_special_care
    applicable = []
    for purpose in Purpose:
        if purpose not in claimed:
            continue
        if purpose in CHILDHOOD_PURPOSES and not childhood:
            trace.append(
                f"rules.md §4.2a: {purpose} is only for group I since childhood with "
                "special-care indications: not applied"
            )
            continue
        applicable.append(purpose)
    return applicable


def monthly_need(request: AssessmentRequest, rule_set: RuleSet, found: Refusals) -> MonthlyNeed:
    """rules.md §3.1, §4.2a: the level, then the hours of the highest applicable purpose."""
    trace = found.trace
    level, exception = assessed_level(request, rule_set, found)
    purposes = applicable_purposes(request, exception, trace)
    if not purposes:
        found.add(
            RefusalReason.NO_ELIGIBLE_ACTIVITY,
            "rules.md §4.2a: no verified purpose of Annex 1 applies",
        )
    if level is None or not purposes:
        return MonthlyNeed(p17_exception=exception)
    lines = []
    for purpose in purposes:
        row = purpose_row(rule_set.adult_purpose_hours, purpose, request.decision_date)
        if row is None:
            continue
        hours = row.hours(level)
        source = f"{row.source}, row in force from {row.effective_from.isoformat()}"
        lines.append(PurposeGrant(purpose=purpose, hours=hours, source=source))
        trace.append(f"rules.md §4.2a: {purpose} at intensity level {level}: {hours} h/month")
    if not lines:  # no row in force on the decision date: the table gives no hours
        found.add(RefusalReason.NO_ELIGIBLE_ACTIVITY, "rules.md §4.2a: no row in force")
        return MonthlyNeed(p17_exception=exception)
    best = max(lines, key=lambda line: line.hours)  # the first of equals, in table order
    trace.append(
        f"rules.md §4.2a: the highest applicable purpose counts, not a sum: {best.purpose}, "
        f"{best.hours} h/month"
    )
    return MonthlyNeed(best.hours, best.purpose, level, lines, exception)
