"""The case of one application: commands and ``decide(command, state) -> events`` (pure).

Lifecycle (docs/decisions.md): ``open`` → ``granted`` ⇄ ``suspended`` → ``terminated``;
``open`` → ``refused``; ``open`` → ``withdrawn``. State and ``evolve`` are in ``case_state``.
Commands that make a decision carry ``today``, the Latvian date: the domain reads no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel

from services.decisions.case_state import LIVE, WITH_GRANT, CaseState, CaseStatus
from services.decisions.domain import IllegalTransition, NotFound, invalid
from services.decisions.grant_terms import AssessmentFacts, grant_terms, run_assessment
from shared.contracts.decisions import (
    ApplicationRefused,
    CaseClosed,
    CaseOpened,
    ClaimedActivity,
    ClientData,
    CloseReason,
    DecisionOverdue,
    DocumentRecorded,
    GrantAmended,
    HoursGranted,
    InformationRequested,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
    SuspensionReason,
    TaskClosed,
    TaskOpened,
    TerminationReason,
)
from shared.rules import REFUSAL_SECTIONS, decision_deadline, is_decision_overdue


@dataclass(frozen=True)
class OpenCase:
    """From intake's ApplicationSubmitted (rules.md §5.1–5.2)."""

    application_id: str
    municipality: str
    received_on: date
    client: ClientData
    has_representative: bool
    claimed_activities: tuple[ClaimedActivity, ...]
    receives_vision_benefit: bool
    weekly_medical_procedures: bool
    requested_start: date | None


@dataclass(frozen=True)
class RecordDocument:
    """From intake's ApplicationDocumentAdded (rules.md §5.3)."""

    document_id: str
    kind: str
    title: str
    content_sha256: str
    storage_ref: str
    received_on: date


@dataclass(frozen=True)
class WithdrawApplication:
    """From intake's ApplicationWithdrawn (rules.md §5.6)."""

    withdrawn_on: date
    today: date


@dataclass(frozen=True)
class OpenTask:
    """From intake's CircumstancesReported (rules.md §5.5): the caseworker must look at it."""

    task_id: str
    kind: str
    description: str
    effective_from: date | None
    effective_until: date | None
    source_report_id: str | None


@dataclass(frozen=True)
class CloseTask:
    task_id: str
    resolution: str
    today: date


@dataclass(frozen=True)
class RequestInformation:
    request_id: str
    institution: str
    subject: str
    requested_on: date


@dataclass(frozen=True)
class RecordAssessment:
    facts: AssessmentFacts
    today: date


@dataclass(frozen=True)
class Decide:
    """Grant or refuse on the recorded assessment (rules.md §3–4)."""

    period_start: date
    period_end: date | None
    hours: Decimal | None
    reduction_reason: str | None
    today: date


@dataclass(frozen=True)
class AmendGrant:
    """Change a grant after a change of circumstances (rules.md §5.5), re-assessed."""

    effective_from: date
    period_end: date | None
    hours: Decimal | None
    reduction_reason: str | None
    reason: str
    facts: AssessmentFacts | None
    today: date


@dataclass(frozen=True)
class SuspendService:
    reason: SuspensionReason
    suspended_from: date
    note: str
    today: date


@dataclass(frozen=True)
class ResumeService:
    resumed_on: date
    note: str
    today: date


@dataclass(frozen=True)
class TerminateService:
    reason: TerminationReason
    terminated_from: date
    note: str
    today: date


@dataclass(frozen=True)
class MarkOverdue:
    """rules.md §5.4: report an undecided case past its deadline, once."""

    today: date


CaseCommand = (
    OpenCase
    | RecordDocument
    | WithdrawApplication
    | OpenTask
    | CloseTask
    | RequestInformation
    | RecordAssessment
    | Decide
    | AmendGrant
    | SuspendService
    | ResumeService
    | TerminateService
    | MarkOverdue
)


def decide(command: CaseCommand, state: CaseState) -> list[BaseModel]:
    """The events ``command`` causes on ``state``, or a ``DomainError`` saying why not."""
    if isinstance(command, OpenCase):
        return open_case(command, state)
    if state.opened is None:
        raise NotFound("no such case")
    case_id = state.opened.case_id
    match command:
        case RecordDocument():
            if any(d.document_id == command.document_id for d in state.documents):
                return []  # the same document delivered again: already recorded
            return [DocumentRecorded(case_id=case_id, **_fields(command))]
        case WithdrawApplication():
            return withdraw(command, state)
        case OpenTask():
            if state.task(command.task_id) is not None:
                return []
            return [TaskOpened(case_id=case_id, **_fields(command))]
        case CloseTask():
            task = state.task(command.task_id)
            if task is None:
                raise NotFound(f"no task {command.task_id} on this case")
            if not task.is_open:
                raise IllegalTransition(f"task {command.task_id} is already closed")
            return [
                TaskClosed(
                    case_id=case_id,
                    task_id=task.task_id,
                    closed_on=command.today,
                    resolution=command.resolution,
                )
            ]
        case RequestInformation():
            _require(state, LIVE, "request information")
            # rules.md §5.4: recorded, but the deadline stays where it is.
            return [InformationRequested(case_id=case_id, **_fields(command))]
        case RecordAssessment():
            _require(state, LIVE, "record an assessment")
            return [command.facts.recorded(case_id, command.today)]
        case Decide():
            return decide_application(command, state)
        case AmendGrant():
            return amend(command, state)
        case SuspendService():
            return suspend(command, state)
        case ResumeService():
            return resume(command, state)
        case TerminateService():
            return terminate(command, state)
        case MarkOverdue():
            return mark_overdue(command, state)
    raise TypeError(f"unknown command {command!r}")


def open_case(command: OpenCase, state: CaseState) -> list[BaseModel]:
    if state.exists:
        return []  # the application arrived again under another event id: one case only
    return [
        CaseOpened(
            case_id=command.application_id,
            decision_deadline=decision_deadline(command.received_on),  # rules.md §5.4
            **_fields(command),
        )
    ]


def withdraw(command: WithdrawApplication, state: CaseState) -> list[BaseModel]:
    """rules.md §5.6: before a decision the case closes; a grant in force is terminated."""
    assert state.opened is not None
    case_id = state.opened.case_id
    if state.status is CaseStatus.OPEN:
        return [
            CaseClosed(
                case_id=case_id, reason=CloseReason.WITHDRAWN, closed_on=command.withdrawn_on
            )
        ]
    if state.status not in WITH_GRANT or state.grant is None:
        return []  # refused, terminated or withdrawn already: nothing is left to end
    # The service ends on the day of the written withdrawal, kept inside the period.
    day_after = state.grant.period_end + timedelta(days=1)
    ends = min(max(command.withdrawn_on, state.grant.period_start), day_after)
    return [
        ServiceTerminated(
            case_id=case_id,
            decision_number=state.next_decision_number,
            decided_on=command.today,
            reason=TerminationReason.WITHDRAWAL,
            terminated_from=ends,
            note="The application was withdrawn in writing",
        )
    ]


def decide_application(command: Decide, state: CaseState) -> list[BaseModel]:
    assert state.opened is not None
    _require(state, {CaseStatus.OPEN}, "decide the application")
    if state.assessment is None:
        raise IllegalTransition("record the assessment before deciding")
    facts = AssessmentFacts.of(state.assessment)
    assessment = run_assessment(state.opened, facts, command.period_start, "period_start")
    late = is_decision_overdue(state.opened.received_on, command.today, command.today)
    common = {
        "case_id": state.opened.case_id,
        "application_id": state.opened.application_id,
        "decision_number": state.next_decision_number,
        "decided_on": command.today,
        "decided_late": late,
        "rule_set": assessment.rule_set,
        "legal_basis": assessment.legal_basis,
        "trace": assessment.trace,
    }
    if not assessment.eligible:
        # rules.md §3.4: every refusal carries its codes and its legal basis.
        sections = {r.value: REFUSAL_SECTIONS[r] for r in assessment.refusal_reasons}
        return [
            ApplicationRefused(
                reasons=assessment.refusal_reasons, reason_sections=sections, **common
            )
        ]
    terms = grant_terms(
        assessment,
        period_start=command.period_start,
        period_end=command.period_end,
        hours=command.hours,
        reduction_reason=command.reduction_reason,
    )
    return [
        HoursGranted(
            personal_code=state.opened.client.personal_code,
            age_group=assessment.age_group,
            vision_group=facts.vision_group(assessment),
            unit=assessment.unit,
            hours=terms.hours,
            rules_hours=assessment.paid_hours,
            need_hours=assessment.need_hours,
            reduction_reason=terms.reduction_reason,
            breakdown=terms.breakdown,
            period_start=terms.period_start,
            period_end=terms.period_end,
            **common,
        )
    ]


def amend(command: AmendGrant, state: CaseState) -> list[BaseModel]:
    """rules.md §5.5: a new assessment of the facts from ``effective_from``, same limits."""
    assert state.opened is not None
    _require(state, WITH_GRANT, "amend the grant")
    assert state.grant is not None and state.assessment is not None
    if not state.grant.hours_from <= command.effective_from <= state.grant.period_end:
        raise invalid(
            "effective_from",
            f"must fall within the grant in force, {state.grant.hours_from} to "
            f"{state.grant.period_end}",
        )
    facts = command.facts or AssessmentFacts.of(state.assessment)
    assessment = run_assessment(state.opened, facts, command.effective_from, "effective_from")
    if not assessment.eligible:
        codes = ", ".join(assessment.refusal_reasons)
        raise invalid(
            "assessment",
            f"on these facts the person is not eligible ({codes}); terminate the service "
            "instead (rules.md §5.6)",
            "NOT_ELIGIBLE",
        )
    terms = grant_terms(
        assessment,
        period_start=command.effective_from,
        period_end=command.period_end,
        hours=command.hours,
        reduction_reason=command.reduction_reason,
        start_field="effective_from",
    )
    case_id = state.opened.case_id
    events: list[BaseModel] = []
    if command.facts is not None:
        events.append(command.facts.recorded(case_id, command.today))
    events.append(
        GrantAmended(
            case_id=case_id,
            decision_number=state.next_decision_number,
            decided_on=command.today,
            effective_from=command.effective_from,
            period_end=terms.period_end,
            reason=command.reason,
            rule_set=assessment.rule_set,
            legal_basis=assessment.legal_basis,
            unit=assessment.unit,
            hours=terms.hours,
            rules_hours=assessment.paid_hours,
            need_hours=assessment.need_hours,
            reduction_reason=terms.reduction_reason,
            breakdown=terms.breakdown,
            trace=assessment.trace,
        )
    )
    return events


def suspend(command: SuspendService, state: CaseState) -> list[BaseModel]:
    """rules.md §3.3: a stay in an institution, hospital or prison suspends, not ends."""
    assert state.opened is not None
    _require(state, {CaseStatus.GRANTED}, "suspend the service")
    assert state.grant is not None
    if not state.grant.period_start <= command.suspended_from <= state.grant.period_end:
        raise invalid(
            "suspended_from",
            f"must fall within the period {state.grant.period_start} to {state.grant.period_end}",
        )
    return [
        ServiceSuspended(
            case_id=state.opened.case_id,
            decision_number=state.next_decision_number,
            decided_on=command.today,
            reason=command.reason,
            suspended_from=command.suspended_from,
            note=command.note,
        )
    ]


def resume(command: ResumeService, state: CaseState) -> list[BaseModel]:
    assert state.opened is not None
    _require(state, {CaseStatus.SUSPENDED}, "resume the service")
    assert state.grant is not None and state.suspension is not None
    start, end = state.suspension.suspended_from, state.grant.period_end
    if not start <= command.resumed_on <= end:
        raise invalid(
            "resumed_on",
            f"must fall between the suspension's start {start} and the period end {end}; "
            "after the period, terminate instead",
        )
    return [
        ServiceResumed(
            case_id=state.opened.case_id,
            decision_number=state.next_decision_number,
            decided_on=command.today,
            resumed_on=command.resumed_on,
            note=command.note,
        )
    ]


def terminate(command: TerminateService, state: CaseState) -> list[BaseModel]:
    """rules.md §5.6: withdrawal, move, expiry, not used, or the period ended."""
    assert state.opened is not None
    _require(state, WITH_GRANT, "terminate the service")
    assert state.grant is not None
    start, day_after = state.grant.period_start, state.grant.period_end + timedelta(days=1)
    if not start <= command.terminated_from <= day_after:
        raise invalid(
            "terminated_from",
            f"must fall between the period start {start} and the day after its end {day_after}",
        )
    return [
        ServiceTerminated(
            case_id=state.opened.case_id,
            decision_number=state.next_decision_number,
            decided_on=command.today,
            reason=command.reason,
            terminated_from=command.terminated_from,
            note=command.note,
        )
    ]


def mark_overdue(command: MarkOverdue, state: CaseState) -> list[BaseModel]:
    """rules.md §5.4: once per case, only while undecided and only after the deadline."""
    opened = state.opened
    assert opened is not None
    if state.overdue is not None or state.status is not CaseStatus.OPEN:
        return []
    if not is_decision_overdue(opened.received_on, command.today):
        return []
    return [
        DecisionOverdue(
            case_id=opened.case_id,
            received_on=opened.received_on,
            decision_deadline=opened.decision_deadline,
            detected_on=command.today,
        )
    ]


def _require(state: CaseState, allowed: set[CaseStatus] | frozenset[CaseStatus], what: str) -> None:
    if state.status not in allowed:
        names = ", ".join(sorted(allowed))
        raise IllegalTransition(f"cannot {what}: the case is {state.status} (needs {names})")


def _fields(command: object) -> dict[str, object]:
    """A command's fields as event keywords (commands mirror their event's fields)."""
    return {k: v for k, v in vars(command).items() if k != "today"}
