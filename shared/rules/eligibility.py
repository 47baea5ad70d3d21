"""Who may get the service (rules.md §3), apart from the hours-based refusals of §4."""

from dataclasses import dataclass, field

from shared.rules.dates import age_on
from shared.rules.models import AssessmentRequest
from shared.rules.tables import RuleSet
from shared.rules.vocabulary import AgeGroup, Opinion, RefusalReason, Residence, Unit


def age_group(request: AssessmentRequest, rule_set: RuleSet) -> AgeGroup:
    """rules.md §3.1–3.2: adult from 18, child from 5 to the day before the 18th birthday."""
    age = age_on(request.birth_date, request.period_start)
    if age >= rule_set.adult_age:
        return AgeGroup.ADULT
    if age >= rule_set.child_min_age:
        return AgeGroup.CHILD
    return AgeGroup.UNDER_FIVE


def group_one_for_vision(request: AssessmentRequest) -> bool:
    return request.disability_group == 1 and request.vision_disability


def vision_rule_applies(request: AssessmentRequest, group: AgeGroup, rule_set: RuleSet) -> bool:
    """rules.md §4.2 (LV-2013 only): an adult with group I for vision who receives the benefit.

    Decision (docs/rules.md): never for children, also under LV-2013 (§4.2 says "an adult").
    """
    return (
        rule_set.vision_unpaid_hours is not None
        and group is AgeGroup.ADULT
        and group_one_for_vision(request)
        and request.receives_vision_benefit
    )


def higher_education_allowed(
    request: AssessmentRequest, group: AgeGroup, rule_set: RuleSet
) -> bool:
    """rules.md §4.1: under LV-2013 only group I for vision, or a child disabled by vision."""
    if not rule_set.higher_education_vision_only:
        return True
    if group is AgeGroup.CHILD:
        return request.vision_disability
    return group_one_for_vision(request)


def rests_on_opinion(request: AssessmentRequest, group: AgeGroup, rule_set: RuleSet) -> bool:
    """rules.md §3.1: an LV-2013 adult rests on the commission's opinion, except group I for
    vision; an LV-2021 adult rests on the social service's own assessment, never on it."""
    if group is AgeGroup.ADULT:
        return rule_set.adult_unit is Unit.WEEK and not group_one_for_vision(request)
    return True


@dataclass
class Refusals:
    reasons: list[RefusalReason] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)

    def add(self, reason: RefusalReason, why: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.trace.append(f"{why}: {reason}")


def refusals(
    request: AssessmentRequest, rule_set: RuleSet, group: AgeGroup, trace: list[str]
) -> Refusals:
    """Every refusal of rules.md §3 that applies; all of them, not only the first.

    Each refusal is also written to `trace`, which `Refusals.add` keeps appending to.
    """
    found = Refusals(trace=trace)
    if group is AgeGroup.UNDER_FIVE:
        found.add(RefusalReason.TOO_YOUNG, "rules.md §3.2: under 5 on the first day")
    elif group is AgeGroup.ADULT:
        if request.disability_group not in (1, 2):
            found.add(
                RefusalReason.NOT_SEVERE_DISABILITY,
                f"rules.md §3.1, §3.4: adult with group {request.disability_group}, not I or II",
            )
        if rule_set.adult_unit is Unit.MONTH:
            if not (request.functional_limitations or request.car_adaptation_indications):
                found.add(
                    RefusalReason.NO_FUNCTIONAL_LIMITATION,
                    "rules.md §3.1, §3.4 (Reg. 316 p. 3): adult without a functional limitation "
                    "of vision, mobility or a mental nature and without the car-adaptation "
                    "indications",
                )
        elif (
            rests_on_opinion(request, group, rule_set)
            and request.opinion is not Opinion.ASSISTANT_NEEDED
        ):
            found.add(
                RefusalReason.NO_COMMISSION_OPINION,
                "rules.md §3.1, §3.4: adult without the opinion that an assistant is needed",
            )
    elif request.opinion is not Opinion.SPECIAL_CARE:
        # Decision (docs/rules.md): children need the special-care opinion under both sets;
        # a child has no disability group, so the group field is not looked at.
        found.add(
            RefusalReason.NO_COMMISSION_OPINION,
            "rules.md §3.2, §3.4: child without the opinion on the need of special care",
        )
    if request.residence is not Residence.HOME:
        found.add(
            RefusalReason.IN_INSTITUTION,
            f"rules.md §3.3: lives in {request.residence}, not at home",
        )
    valid_until = request.disability_valid_until
    if valid_until is not None and valid_until < request.period_start:
        found.add(
            RefusalReason.DISABILITY_EXPIRED,
            f"rules.md §4.4: disability status ended on {valid_until.isoformat()}",
        )
    opinion_until = request.opinion_valid_until
    if (
        opinion_until is not None
        and opinion_until < request.period_start
        and rests_on_opinion(request, group, rule_set)
    ):
        found.add(
            RefusalReason.OPINION_EXPIRED,
            f"rules.md §4.4: the commission opinion ended on {opinion_until.isoformat()}",
        )
    return found
