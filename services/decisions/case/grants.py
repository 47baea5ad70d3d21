"""Deciding and amending: the two commands that run ``assess`` (rules.md §3–4, §5.5)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from services.decisions.case.grant_terms import (
    AssessmentFacts,
    GrantTerms,
    grant_terms,
    purpose_hours,
    run_assessment,
)
from services.decisions.case.hearing import Heard, HeardReachingBack, require_hearing
from services.decisions.case.state import (
    WITH_GRANT,
    CaseState,
    CaseStatus,
    Grant,
    decides,
    evolves,
    is_reduction,
    require_elsewhere,
    require_status,
)
from services.decisions.domain import IllegalTransition, InvalidCommand, invalid
from shared.contracts.decisions import ApplicationRefused, GrantAmended, HoursGranted
from shared.rules import (
    REFUSAL_SECTIONS,
    AgeGroup,
    Assessment,
    RefusalReason,
    Unit,
    is_decision_overdue,
    rule_set_for,
)


@dataclass(frozen=True)
class Decide(Heard):
    """Grant or refuse on the recorded assessment (rules.md §3–4)."""

    period_start: date
    period_end: date | None
    hours: Decimal | None
    reduction_reason: str | None
    today: date


@dataclass(frozen=True)
class AmendGrant(HeardReachingBack):
    """Change a grant after a change of circumstances (rules.md §5.5), re-assessed."""

    effective_from: date
    period_end: date | None
    hours: Decimal | None
    reduction_reason: str | None
    reason: str
    facts: AssessmentFacts | None
    today: date


@dataclass(frozen=True)
class RefuseForResidence(Heard):
    """rules.md §3.5: the declared residence is in another municipality, which decides."""

    declared_municipality: str
    today: date


def adult_monthly_terms(assessment: Assessment, facts: AssessmentFacts) -> dict[str, Any]:
    """rules.md §3.1, §4.2a: what an LV-2021 adult decision adds: the assessment it rests on,
    the purpose and level that give the hours. Empty for other decisions (additive fields)."""
    if assessment.age_group is not AgeGroup.ADULT or assessment.unit is not Unit.MONTH:
        return {}
    return {
        "purpose": assessment.purpose,
        "intensity_level": assessment.intensity_level,
        "purpose_hours": purpose_hours(assessment),
        "needs_assessment": facts.needs_result(),
        "p17_exception": assessment.p17_exception,
    }


def terms_asked(
    command: Decide | AmendGrant, assessment: Assessment, start: date, start_field: str
) -> GrantTerms:
    """The terms the caseworker asked for, within what the rules allow, from ``start`` (the
    request's ``start_field``)."""
    return grant_terms(
        assessment,
        period_start=start,
        period_end=command.period_end,
        hours=command.hours,
        reduction_reason=command.reduction_reason,
        start_field=start_field,
    )


def hours_fields(assessment: Assessment, terms: GrantTerms) -> dict[str, Any]:
    """What a grant and an amendment both record of the hours and the period they give."""
    return {
        "rule_set": assessment.rule_set,
        "legal_basis": assessment.legal_basis,
        "unit": assessment.unit,
        "hours": terms.hours,
        "rules_hours": assessment.paid_hours,
        "need_hours": assessment.need_hours,
        "reduction_reason": terms.reduction_reason,
        "breakdown": terms.breakdown,
        "period_end": terms.period_end,
        "period_kind": terms.period_kind,
        "period_months": terms.period_months,
        "trace": assessment.trace,
    }


def decision_fields(state: CaseState, today: date) -> dict[str, Any]:
    """What a grant and every refusal record of the application and when it was decided."""
    assert state.opened is not None
    late = is_decision_overdue(state.opened.received_on, today, today, deadline=state.deadline)
    application = {"application_id": state.opened.application_id, "decided_late": late}
    return state.new_act(today) | application


@decides(Decide)
def decide_application(command: Decide, state: CaseState) -> list[BaseModel]:
    assert state.opened is not None
    require_status(state, {CaseStatus.OPEN}, "decide the application")
    if state.assessment is None:
        raise IllegalTransition(
            "record the assessment before deciding (for an adult under LV-2021 it holds the "
            "social service's needs assessment, rules.md §3.1)"
        )
    if state.defect_pending:
        raise IllegalTransition(
            "the application is left without progress (APL 56(1.1)): record that the defect "
            "is fixed before deciding"
        )
    if command.period_start < state.opened.received_on:
        raise invalid(
            "period_start",
            f"may not be before the application was received, "
            f"{state.opened.received_on.isoformat()} (issue #17 item 5)",
            "BEFORE_APPLICATION",
        )
    facts = AssessmentFacts.of(state.assessment)
    assessment = run_assessment(
        state.opened, facts, command.period_start, "period_start", command.today
    )
    adult_terms = adult_monthly_terms(assessment, facts)
    decided = decision_fields(state, command.today)
    if not assessment.eligible:
        # rules.md §3.4: every refusal carries its codes and its legal basis.
        sections = {r.value: REFUSAL_SECTIONS[r] for r in assessment.refusal_reasons}
        needs = adult_terms.get("needs_assessment")
        require_hearing(command.hearing, "a refusal", command.today)
        return [
            ApplicationRefused(
                reasons=assessment.refusal_reasons,
                reason_sections=sections,
                needs_assessment=needs,
                rule_set=assessment.rule_set,
                legal_basis=assessment.legal_basis,
                trace=assessment.trace,
                **command.heard(),
                **decided,
            )
        ]
    terms = terms_asked(command, assessment, command.period_start, "period_start")
    return [
        HoursGranted(
            personal_code=state.opened.client.personal_code,
            age_group=assessment.age_group,
            vision_group=facts.vision_group(assessment),
            period_start=terms.period_start,
            **hours_fields(assessment, terms),
            **adult_terms,
            **decided,
        )
    ]


@decides(AmendGrant)
def amend(command: AmendGrant, state: CaseState) -> list[BaseModel]:
    """rules.md §5.5: a new assessment of the facts from ``effective_from``, same limits."""
    assert state.opened is not None
    require_status(state, WITH_GRANT, "amend the grant")
    assert state.grant is not None and state.assessment is not None
    if not state.grant.hours_from <= command.effective_from <= state.grant.period_end:
        raise invalid(
            "effective_from",
            f"must fall within the grant in force, {state.grant.hours_from} to "
            f"{state.grant.period_end}",
        )
    facts = command.facts or AssessmentFacts.of(state.assessment)
    prefix = "assessment." if command.facts is not None else ""
    errors = facts.errors_on(command.today, prefix) if command.facts is not None else []
    if errors:
        raise InvalidCommand(errors)
    assessment = run_assessment(
        state.opened, facts, command.effective_from, "effective_from", command.today, prefix
    )
    if not assessment.eligible:
        codes = ", ".join(assessment.refusal_reasons)
        raise invalid(
            "assessment",
            f"on these facts the person is not eligible ({codes}); terminate the service "
            "instead (rules.md §5.6)",
            "NOT_ELIGIBLE",
        )
    terms = terms_asked(command, assessment, command.effective_from, "effective_from")
    # legal.md §2, §4: fewer hours or a shorter period is unfavourable: heard first, and
    # not before its entry into force unless it follows a dated fact.
    if is_reduction(state.grant, assessment.unit, terms.hours, terms.period_end):
        command.require_may_change(
            command.effective_from, "effective_from", "a reduction of the service", command.today
        )
    case_id = state.case_id
    events: list[BaseModel] = []
    if command.facts is not None:
        events.append(command.facts.recorded(case_id, command.today))
    events.append(
        GrantAmended(
            **state.new_act(command.today),
            effective_from=command.effective_from,
            reason=command.reason,
            **hours_fields(assessment, terms),
            **command.heard(),
            **adult_monthly_terms(assessment, facts),
        )
    )
    return events


@decides(RefuseForResidence)
def refuse_for_residence(command: RefuseForResidence, state: CaseState) -> list[BaseModel]:
    """rules.md §3.5 (Reg. 316 p. 2): the service is given by the municipality of the declared
    residence; an applicant declared elsewhere is refused with its own reason code. The
    caseworker's finding, so no assessment is needed."""
    opened = state.opened
    assert opened is not None
    require_status(state, {CaseStatus.OPEN}, "refuse the application")
    other = command.declared_municipality
    require_elsewhere(state, "declared_municipality", other)
    require_hearing(command.hearing, "a refusal", command.today)
    rule_set = rule_set_for(command.today)
    reason = RefusalReason.RESIDENCE_ELSEWHERE
    return [
        ApplicationRefused(
            **decision_fields(state, command.today),
            rule_set=rule_set.id,
            legal_basis=rule_set.legal_basis,
            reasons=[reason],
            reason_sections={reason.value: REFUSAL_SECTIONS[reason]},
            trace=[
                f"rules.md §3.5: the declared residence is in {other}, not {opened.municipality}"
            ],
            declared_municipality=other,
            **command.heard(),
        )
    ]


# How each event decided here changes the case (case/state.py ``evolve``).


@evolves(HoursGranted)
def hours_granted(state: CaseState, event: HoursGranted) -> CaseState:
    grant = Grant(
        event.rule_set,
        event.unit,
        event.hours,
        tuple(event.breakdown),
        event.period_start,
        event.period_end,
        event.period_start,
        event.purpose,
        event.intensity_level,
    )
    return replace(state, status=CaseStatus.GRANTED, grant=grant)


@evolves(ApplicationRefused)
def application_refused(state: CaseState, event: ApplicationRefused) -> CaseState:
    return replace(state, status=CaseStatus.REFUSED)


@evolves(GrantAmended)
def grant_amended(state: CaseState, event: GrantAmended) -> CaseState:
    assert state.grant is not None  # amend() refuses a case without a grant
    grant = replace(
        state.grant,
        rule_set=event.rule_set,
        unit=event.unit,
        hours=event.hours,
        breakdown=tuple(event.breakdown),
        period_end=event.period_end,
        hours_from=event.effective_from,
        purpose=event.purpose,
        intensity_level=event.intensity_level,
    )
    return replace(state, grant=grant)
