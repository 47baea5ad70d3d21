"""The state of one case and how each event changes it (pure; rules.md §3–5)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from services.decisions.domain import IllegalTransition
from shared.contracts.decisions import (
    ActivityBreakdown,
    ApplicationRefused,
    AssessmentRecorded,
    CaseClosed,
    CaseOpened,
    DeadlineExtended,
    DecisionOverdue,
    DocumentRecorded,
    GrantAmended,
    HoursGranted,
    InformationRequested,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
    TaskClosed,
    TaskOpened,
)
from shared.rules import Purpose, RuleSetId, Unit

# The administrative decisions of a case, each with its own number and document; the
# deadline extension's notice is a procedural letter, not an act (legal.md §2), but it is
# numbered, registered and written like one.
Decision = (
    HoursGranted
    | ApplicationRefused
    | GrantAmended
    | ServiceSuspended
    | ServiceResumed
    | ServiceTerminated
    | DeadlineExtended
)
DECISION_TYPES = (
    HoursGranted,
    ApplicationRefused,
    GrantAmended,
    ServiceSuspended,
    ServiceResumed,
    ServiceTerminated,
    DeadlineExtended,
)


class CaseStatus(StrEnum):
    """Where a case is in its life (docs/decisions.md, "Case lifecycle")."""

    OPEN = "open"  # received, not yet decided
    GRANTED = "granted"  # a grant in force
    SUSPENDED = "suspended"  # a grant paused for a stay of rules.md §3.3
    REFUSED = "refused"
    TERMINATED = "terminated"  # the grant ended (rules.md §5.6)
    WITHDRAWN = "withdrawn"  # withdrawn before a decision
    FORWARDED = "forwarded"  # sent to the municipality of the residence (rules.md §3.5)


# Statuses in which the case still takes information, assessments and changes.
LIVE = frozenset({CaseStatus.OPEN, CaseStatus.GRANTED, CaseStatus.SUSPENDED})
# Statuses with a grant in force (suspended grants too: the suspension is not an end).
WITH_GRANT = frozenset({CaseStatus.GRANTED, CaseStatus.SUSPENDED})


@dataclass(frozen=True)
class Grant:
    """The grant in force: what the latest grant or amendment decided (rules.md §4.5)."""

    rule_set: RuleSetId
    unit: Unit
    hours: Decimal
    breakdown: tuple[ActivityBreakdown, ...]
    period_start: date
    period_end: date  # inclusive
    hours_from: date  # the first day the current hours apply (an amendment's effective_from)
    purpose: Purpose | None = None  # LV-2021 adults (rules.md §4.2a)
    intensity_level: int | None = None


@dataclass(frozen=True)
class Task:
    task_id: str
    kind: str
    description: str
    effective_from: date | None
    effective_until: date | None
    source_report_id: str | None
    closed_on: date | None = None
    resolution: str | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


@dataclass(frozen=True)
class CaseState:
    opened: CaseOpened | None = None
    status: CaseStatus = CaseStatus.OPEN
    documents: tuple[DocumentRecorded, ...] = ()
    information_requests: tuple[InformationRequested, ...] = ()
    assessment: AssessmentRecorded | None = None
    decisions: tuple[Decision, ...] = ()
    # The assessment in force when each decision was taken (its document states those facts).
    decision_facts: tuple[AssessmentRecorded | None, ...] = ()
    extended_deadline: date | None = None  # APL 64(2), legal.md §6
    grant: Grant | None = None
    suspension: ServiceSuspended | None = None
    terminated_from: date | None = None
    closed: CaseClosed | None = None
    overdue: DecisionOverdue | None = None
    tasks: tuple[Task, ...] = ()

    @property
    def exists(self) -> bool:
        return self.opened is not None

    def belongs_to(self, municipality: str) -> bool:
        return self.opened is not None and self.opened.municipality == municipality

    @property
    def next_decision_number(self) -> int:
        return len(self.decisions) + 1

    @property
    def deadline(self) -> date | None:
        """The decision deadline in force: extended (legal.md §6) or one month (§5.4)."""
        if self.opened is None:
            return None
        return self.extended_deadline or self.opened.decision_deadline

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.task_id == task_id), None)

    @property
    def service_last_day(self) -> date | None:
        """The last day the grant gives service: its period end, or the day before termination."""
        if self.grant is None:
            return None
        if self.terminated_from is not None:
            return min(self.grant.period_end, self.terminated_from - timedelta(days=1))
        return self.grant.period_end


def require_status(state: CaseState, allowed: AbstractSet[CaseStatus], what: str) -> None:
    """Refuse a command the case's status does not allow (409 in the API)."""
    if state.status not in allowed:
        names = ", ".join(sorted(allowed))
        raise IllegalTransition(f"cannot {what}: the case is {state.status} (needs {names})")


def evolve(state: CaseState, event: BaseModel) -> CaseState:
    """Apply one event; only ever called with events ``decide`` accepted, so no checks."""
    if isinstance(event, DECISION_TYPES):
        state = replace(
            state,
            decisions=(*state.decisions, event),
            decision_facts=(*state.decision_facts, state.assessment),
        )
    match event:
        case CaseOpened():
            return replace(state, opened=event, status=CaseStatus.OPEN)
        case DocumentRecorded():
            return replace(state, documents=(*state.documents, event))
        case InformationRequested():
            return replace(state, information_requests=(*state.information_requests, event))
        case AssessmentRecorded():
            return replace(state, assessment=event)
        case HoursGranted():
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
        case ApplicationRefused():
            return replace(state, status=CaseStatus.REFUSED)
        case GrantAmended():
            assert state.grant is not None
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
        case ServiceSuspended():
            return replace(state, status=CaseStatus.SUSPENDED, suspension=event)
        case ServiceResumed():
            return replace(state, status=CaseStatus.GRANTED, suspension=None)
        case ServiceTerminated():
            return replace(
                state,
                status=CaseStatus.TERMINATED,
                suspension=None,
                terminated_from=event.terminated_from,
            )
        case CaseClosed():
            status = CaseStatus(event.reason.value)  # withdrawn or forwarded
            return replace(state, status=status, closed=event)
        case DecisionOverdue():
            return replace(state, overdue=event)
        case DeadlineExtended():
            return replace(state, extended_deadline=event.new_deadline)
        case TaskOpened():
            task = Task(
                event.task_id,
                event.kind,
                event.description,
                event.effective_from,
                event.effective_until,
                event.source_report_id,
            )
            return replace(state, tasks=(*state.tasks, task))
        case TaskClosed():
            tasks = tuple(
                replace(t, closed_on=event.closed_on, resolution=event.resolution)
                if t.task_id == event.task_id
                else t
                for t in state.tasks
            )
            return replace(state, tasks=tasks)
    return state
