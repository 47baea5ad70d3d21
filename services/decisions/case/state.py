"""The state of one case, how each event changes it, and which rule decides each command
(pure; rules.md §3–5)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from types import GenericAlias
from typing import Any, get_type_hints

from pydantic import BaseModel

from shared.aggregate import Aggregate, ByType
from shared.contracts.decisions import (
    ActivityBreakdown,
    ActNotified,
    ApplicationLeftWithoutProgress,
    ApplicationRefused,
    AssessmentRecorded,
    CaseClosed,
    CaseEnded,
    CaseOpened,
    DeadlineExtended,
    DecisionOverdue,
    DefectFixed,
    DocumentRecorded,
    GrantAmended,
    HoursGranted,
    InformationRequested,
    ObjectionDecided,
    ObjectionFiled,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
    TaskOpened,
)
from shared.errors import Conflict, invalid
from shared.municipalities import MUNICIPALITIES
from shared.rules import Purpose, RuleSetId, Unit
from shared.rules.hours import weekly_equivalent

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
    ENDED = "ended"  # the grant reached its end, or the person died: no act (legal.md §2)


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
    """A task of the caseworker (rules.md §5.5): as it was opened, and how it was closed."""

    opened: TaskOpened
    closed_on: date | None = None
    resolution: str | None = None

    @property
    def task_id(self) -> str:
        return self.opened.task_id

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


@dataclass(frozen=True)
class GrantSnapshot:
    """What was in effect just before an act: an objection that holds the act back returns
    the case to it (legal.md §5 item 3)."""

    status: CaseStatus
    grant: Grant | None
    suspension: ServiceSuspended | None
    terminated_from: date | None


@dataclass(frozen=True)
class Objection:
    filed: ObjectionFiled
    decided: ObjectionDecided | None = None

    @property
    def pending(self) -> bool:
        return self.decided is None


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
    # After the signature (issue #17): what was in effect before each decision (aligned
    # with ``decisions``), notifications, objections, a defect, an end without an act.
    before: tuple[GrantSnapshot, ...] = ()
    notifications: tuple[ActNotified, ...] = ()
    objections: tuple[Objection, ...] = ()
    defect: ApplicationLeftWithoutProgress | None = None
    defect_fixed: DefectFixed | None = None
    ended: CaseEnded | None = None

    @property
    def exists(self) -> bool:
        return self.opened is not None

    @property
    def case_id(self) -> str:
        """The id of an opened case (``decide`` sends a command to its rule only then)."""
        assert self.opened is not None
        return self.opened.case_id

    def belongs_to(self, municipality: str) -> bool:
        return self.opened is not None and self.opened.municipality == municipality

    @property
    def next_decision_number(self) -> int:
        return len(self.decisions) + 1

    def new_act(self, today: date) -> dict[str, Any]:
        """The fields every new act of this case starts with: the case, the act's number and
        the day it is decided (keywords of the act's event)."""
        return {
            "case_id": self.case_id,
            "decision_number": self.next_decision_number,
            "decided_on": today,
        }

    @property
    def deadline(self) -> date | None:
        """The decision deadline in force: extended (legal.md §6) or one month (§5.4)."""
        if self.opened is None:
            return None
        fixed = self.defect_fixed.decision_deadline if self.defect_fixed else None
        return self.extended_deadline or fixed or self.opened.decision_deadline

    @property
    def defect_pending(self) -> bool:
        """APL 56(1.1): left without progress; the decision term does not run (legal.md §6)."""
        return self.defect is not None and self.defect_fixed is None

    def notification(self, number: int) -> ActNotified | None:
        return next((n for n in self.notifications if n.decision_number == number), None)

    def objection(self, objection_id: str) -> Objection | None:
        return next((o for o in self.objections if o.filed.objection_id == objection_id), None)

    def pending_objection(self, number: int) -> Objection | None:
        return next(
            (o for o in self.objections if o.filed.decision_number == number and o.pending),
            None,
        )

    def held_back(self) -> tuple[int, ...]:
        """Numbers of the acts a pending objection holds back (legal.md §5 item 3)."""
        return tuple(
            o.filed.decision_number for o in self.objections if o.pending and o.filed.holds_back
        )

    def snapshot(self) -> GrantSnapshot:
        return GrantSnapshot(self.status, self.grant, self.suspension, self.terminated_from)

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


def is_reduction(before: Grant, unit: Unit, hours: Decimal, period_end: date) -> bool:
    """legal.md §2 (amendment): unfavourable when the hours or the period go down."""
    fewer = weekly_equivalent(hours, unit) < weekly_equivalent(before.hours, before.unit)
    return fewer or period_end < before.period_end


def require_status(state: CaseState, allowed: AbstractSet[CaseStatus], what: str) -> None:
    """Refuse a command the case's status does not allow (409 in the API)."""
    if state.status not in allowed:
        names = ", ".join(sorted(allowed))
        raise Conflict(f"cannot {what}: the case is {state.status} (needs {names})")


def require_elsewhere(state: CaseState, field: str, other: str) -> None:
    """rules.md §3.5: ``other`` must name a municipality, and not the case's own (422)."""
    assert state.opened is not None
    if other not in MUNICIPALITIES:
        raise invalid(field, f"unknown municipality {other!r}")
    if other == state.opened.municipality:
        raise invalid(
            field,
            "is this municipality: the residence is not elsewhere (rules.md §3.5)",
            "RESIDENCE_HERE",
        )


# One small function per event, registered with ``@evolves(EventType)`` next to the
# ``decide`` that emits the event (case/decide.py, case/grants.py, case/after_signature.py;
# this package's __init__ imports them all, so the registry is complete whenever the
# package is imported). Adding an event: docs/decisions.md, "Adding an event".
Evolver = Callable[[CaseState, Any], CaseState]
_EVOLVERS: ByType[Evolver] = ByType("an evolve function")


# ``@evolves(EventType)`` over ``def name(state: CaseState, event: EventType) -> CaseState``.
evolves = _EVOLVERS.register


# Events that change nothing of a case but their own record, and the field of ``CaseState``
# that keeps them: the latest one, or each one in order (a tuple field). They need no
# function of their own; every other event has its ``@evolves`` function.
KEPT_LATEST: dict[type[BaseModel], str] = {
    AssessmentRecorded: "assessment",  # the latest assessment counts (docs/decisions.md)
    DecisionOverdue: "overdue",
    DefectFixed: "defect_fixed",
}
KEPT_IN_ORDER: dict[type[BaseModel], str] = {
    DocumentRecorded: "documents",
    InformationRequested: "information_requests",
}


def kept_at(event_type: type[BaseModel], field: str, *, in_order: bool) -> Evolver:
    """The evolve function that keeps ``event_type``'s events at ``field``. The field is
    named by a string, so its type is checked here, on import, where mypy cannot."""
    kept = GenericAlias(tuple, (event_type, ...)) if in_order else event_type | None
    declared = get_type_hints(CaseState).get(field, "not a field")
    if declared != kept:
        name = event_type.__name__
        raise TypeError(f"{name} is not kept at CaseState.{field} ({declared}): needs {kept}")

    def keep(state: CaseState, event: BaseModel) -> CaseState:
        value = (*getattr(state, field), event) if in_order else event
        changes: dict[str, Any] = {field: value}  # of the type checked above
        return replace(state, **changes)

    return keep


for _event_type, _field in KEPT_LATEST.items():
    _EVOLVERS.add(_event_type, kept_at(_event_type, _field, in_order=False))
for _event_type, _field in KEPT_IN_ORDER.items():
    _EVOLVERS.add(_event_type, kept_at(_event_type, _field, in_order=True))


def evolved_event_types() -> frozenset[type[BaseModel]]:
    """The event types a case applies (a test checks the list against the contracts)."""
    return _EVOLVERS.types


def evolve(state: CaseState, event: BaseModel) -> CaseState:
    """Apply one event; only ever called with events ``decide`` accepted, so no checks.

    An act (``DECISION_TYPES``) is first recorded with the facts and the terms in force
    before it, then applied like any other event.
    """
    if isinstance(event, DECISION_TYPES):
        state = replace(
            state,
            decisions=(*state.decisions, event),
            decision_facts=(*state.decision_facts, state.assessment),
            before=(*state.before, state.snapshot()),
        )
    return apply_act(state, event)


def apply_act(state: CaseState, event: BaseModel) -> CaseState:
    """What an event changes in the grant and the case (without recording it as a new act).

    Events a case does not show (none today) leave it as it is."""
    evolver = _EVOLVERS.get(type(event))
    return state if evolver is None else evolver(state, event)


# The rule of each command, registered with ``@decides(CommandType)`` over
# ``def name(command: CommandType, state: CaseState) -> list[BaseModel]`` next to the
# command's class (case/decide.py, case/grants.py, case/after_signature.py); ``decide()``
# in case/decide.py sends each command to its rule. Here, beside ``evolves``, so that the
# modules with rules register them without importing the dispatch that imports them.
_RULES: ByType[Callable[[Any, CaseState], list[BaseModel]]] = ByType("a decide function")
decides = _RULES.register


def rule_of(command: object) -> Callable[[Any, CaseState], list[BaseModel]]:
    """The function that decides ``command`` (a ``TypeError`` for a type no rule decides)."""
    return _RULES.of(type(command))


def decided_command_types() -> frozenset[type[Any]]:
    """The command types a case decides (a test checks them against ``CaseCommand``)."""
    return _RULES.types


# The field of each act that changes the grant holding the first day it does so (acts
# absent here change no grant: a grant, a refusal, an extension notice).
FIRST_DAY_FIELDS: dict[type[BaseModel], str] = {
    ServiceTerminated: "terminated_from",
    ServiceSuspended: "suspended_from",
    GrantAmended: "effective_from",
    ServiceResumed: "resumed_on",
}


def first_day_of(act: Decision) -> date | None:
    """The first day an act changes the grant (None for acts that change no grant)."""
    field = FIRST_DAY_FIELDS.get(type(act))
    first_day: date | None = None if field is None else getattr(act, field)
    return first_day


def with_first_day(act: Decision, first_day: date) -> Decision:
    """The act with another first day of effect (a later entry into force, the body's
    decision on an objection)."""
    field = FIRST_DAY_FIELDS.get(type(act))
    return act if field is None else act.model_copy(update={field: first_day})


CASE = Aggregate("case-", CaseState(), evolve)
"""The case of one application; its stream id is ``case-<application id>``."""
"""The case of one application for the command pipeline (shared/commands.py)."""
