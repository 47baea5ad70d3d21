"""The assistant: registration, and the clients they serve (pure; rules.md §6).

Assignments are events on the assistant's own stream, so the 40 h/week of rules.md §6.1 is
checked against one consistent state: two concurrent assignments of one assistant cannot
both commit (optimistic concurrency on ``assistant-<id>``; the handler also serialises them
with a lock, so the second one sees the first and is refused with the reason).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from shared.aggregate import ByType, evolve_by_type
from shared.contracts.decisions import (
    AssistantAssigned,
    AssistantPaymentDetailsChanged,
    AssistantRegistered,
    AssistantUnassigned,
)
from shared.errors import Conflict, FieldError, InvalidCommand, NotFound, invalid
from shared.rules import TaxStatus, Unit, rule_set_for
from shared.rules.hours import weekly_equivalent

WEEKLY_LIMIT_CODE = "ASSISTANT_WEEKLY_LIMIT_EXCEEDED"


def normalize_iban(value: str) -> str:
    """rules.md §8.3: payments go by SEPA transfer, so the IBAN must be valid (schwifty)."""
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as error:
        raise ValueError(f"not a valid IBAN: {error}") from None


@dataclass(frozen=True)
class Assignment:
    assignment_id: str
    case_id: str
    assigned_from: date
    weekly_hours: Decimal
    last_day: date | None = None  # set when unassigned

    @property
    def ended(self) -> bool:
        return self.last_day is not None


@dataclass(frozen=True)
class AssistantState:
    registered: AssistantRegistered | None = None
    assignments: tuple[Assignment, ...] = ()

    def belongs_to(self, municipality: str) -> bool:
        return self.registered is not None and self.registered.municipality == municipality

    def assignment(self, assignment_id: str) -> Assignment | None:
        return next((a for a in self.assignments if a.assignment_id == assignment_id), None)


@dataclass(frozen=True)
class ClientGrant:
    """What the assistant check needs to know of a client's case, read by the handler."""

    case_id: str
    in_force: bool  # granted or suspended
    unit: Unit
    hours: Decimal
    period_start: date
    last_day: date  # the period end, or the day before a termination

    @property
    def weekly_hours(self) -> Decimal:
        return weekly_equivalent(self.hours, self.unit)


@dataclass(frozen=True)
class RegisterAssistant:
    """Inputs already in normal form: personal code (rules.md §10) and compact IBAN."""

    assistant_id: str
    municipality: str
    personal_code: str
    first_name: str
    last_name: str
    iban: str
    tax_status: TaxStatus
    experience: str
    today: date
    tax_book_held: bool = False  # the electronic tax book is with this municipality


@dataclass(frozen=True)
class ChangePaymentDetails:
    """A new IBAN (compact, validated), tax status or tax-book holder; None keeps it."""

    today: date
    iban: str | None = None
    tax_status: TaxStatus | None = None
    tax_book_held: bool | None = None


@dataclass(frozen=True)
class AssignAssistant:
    assignment_id: str
    grant: ClientGrant  # the client's grant the assistant is to serve
    assigned_from: date
    weekly_hours: Decimal | None  # share of the grant; None = the whole grant
    # The grants of the cases the assistant already serves, by case id.
    other_grants: dict[str, ClientGrant]


@dataclass(frozen=True)
class UnassignAssistant:
    assignment_id: str
    last_day: date
    reason: str


AssistantCommand = RegisterAssistant | AssignAssistant | UnassignAssistant | ChangePaymentDetails


# The rule of each command, registered with ``@decides(CommandType)`` over
# ``def name(command: CommandType, state: AssistantState) -> list[BaseModel]`` next to it
# (shared/aggregate.py ``ByType``, as a case's rules in case/state.py): adding a command is
# its dataclass and its rule; a test checks every ``AssistantCommand`` has one.
RULES: ByType[Callable[[Any, AssistantState], list[BaseModel]]] = ByType("a decide function")
decides = RULES.register


def decide(command: AssistantCommand, state: AssistantState) -> list[BaseModel]:
    """The events ``command`` causes on the assistant's stream (none, some, or a refusal)."""
    return RULES.of(type(command))(command, state)


def _registered(state: AssistantState) -> AssistantRegistered:
    """Every command but the registration needs a registered assistant."""
    if state.registered is None:
        raise NotFound("no such assistant")
    return state.registered


@decides(RegisterAssistant)
def register(command: RegisterAssistant, state: AssistantState) -> list[BaseModel]:
    if state.registered is not None:
        raise Conflict("this assistant is already registered")
    if not command.experience.strip():
        # rules.md §6.1: any person with experience with persons with disabilities.
        raise invalid("experience", "a statement of experience is required (rules.md §6.1)")
    fields = {k: v for k, v in vars(command).items() if k != "today"}
    return [AssistantRegistered(registered_on=command.today, **fields)]


@decides(ChangePaymentDetails)
def change_payment_details(command: ChangePaymentDetails, state: AssistantState) -> list[BaseModel]:
    """rules.md §8: only what differs from the current details is recorded; no change, no event.

    Payments re-issue a returned transfer once the IBAN differs from the one it went to.
    """
    registered = _registered(state)
    changes = {
        name: value
        for name, value in (
            ("iban", command.iban),
            ("tax_status", command.tax_status),
            ("tax_book_held", command.tax_book_held),
        )
        if value is not None and value != getattr(registered, name)
    }
    if not changes:
        return []
    return [
        AssistantPaymentDetailsChanged(
            assistant_id=registered.assistant_id, changed_on=command.today, **changes
        )
    ]


@decides(AssignAssistant)
def assign(command: AssignAssistant, state: AssistantState) -> list[BaseModel]:
    assistant_id = _registered(state).assistant_id
    grant = command.grant
    if not grant.in_force:
        raise Conflict(f"case {grant.case_id} has no grant in force")
    errors: list[FieldError] = []
    if not grant.period_start <= command.assigned_from <= grant.last_day:
        errors.append(
            FieldError(
                "assigned_from",
                f"must fall within the grant, {grant.period_start} to {grant.last_day}",
            )
        )
    hours = grant.weekly_hours if command.weekly_hours is None else command.weekly_hours
    if hours > grant.weekly_hours:
        errors.append(
            FieldError(
                "weekly_hours",
                f"{hours} h/week is more than the client's grant, {grant.weekly_hours} h/week",
            )
        )
    if errors:
        raise InvalidCommand(errors)
    window = (command.assigned_from, grant.last_day)
    for current in _windows(state, command.other_grants):
        if current.case_id == grant.case_id and _overlap(window, (current.start, current.end)):
            raise Conflict(f"the assistant already serves case {grant.case_id} then")
    load = peak_load(_windows(state, command.other_grants), *window)
    limit = rule_set_for(command.assigned_from).assistant_weekly_limit
    if load + hours > limit:
        raise InvalidCommand(
            [
                FieldError(
                    "weekly_hours",
                    f"the assistant already serves {load} h/week of other clients in this "
                    f"period; {hours} h/week more makes {load + hours}, above the {limit} "
                    "h/week an assistant may serve across all clients, in every "
                    "municipality (rules.md §6.1)",
                    WEEKLY_LIMIT_CODE,
                )
            ]
        )
    return [
        AssistantAssigned(
            assistant_id=assistant_id,
            assignment_id=command.assignment_id,
            case_id=grant.case_id,
            assigned_from=command.assigned_from,
            weekly_hours=hours,
        )
    ]


@decides(UnassignAssistant)
def unassign(command: UnassignAssistant, state: AssistantState) -> list[BaseModel]:
    assistant_id = _registered(state).assistant_id
    current = state.assignment(command.assignment_id)
    if current is None:
        raise NotFound(f"no assignment {command.assignment_id} of this assistant")
    if current.ended:
        raise Conflict(f"assignment {command.assignment_id} has already ended")
    # The day before the start means "never served": a mistaken assignment can be undone.
    if command.last_day < current.assigned_from - timedelta(days=1):
        raise invalid("last_day", f"is before the assignment started on {current.assigned_from}")
    return [
        AssistantUnassigned(
            assistant_id=assistant_id,
            assignment_id=current.assignment_id,
            case_id=current.case_id,
            last_day=command.last_day,
            reason=command.reason,
        )
    ]


@dataclass(frozen=True)
class Window:
    case_id: str
    start: date
    end: date  # inclusive
    weekly_hours: Decimal


def _windows(state: AssistantState, grants: dict[str, ClientGrant]) -> list[Window]:
    """When and how much the assistant serves each client now.

    An assignment ends at its last day or the end of its client's grant, whichever is first;
    its hours are at most what the grant gives now (an amendment may have lowered it).
    """
    windows = []
    for a in state.assignments:
        grant = grants.get(a.case_id)
        if grant is None or not grant.in_force:
            continue
        end = grant.last_day if a.last_day is None else min(a.last_day, grant.last_day)
        if end >= a.assigned_from:
            hours = min(a.weekly_hours, grant.weekly_hours)
            windows.append(Window(a.case_id, a.assigned_from, end, hours))
    return windows


def _overlap(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def peak_load(windows: list[Window], start: date, end: date) -> Decimal:
    """The most weekly hours the assistant serves on any day from ``start`` to ``end``.

    The sum only changes where a window starts, so those days (and ``start``) are enough.
    """
    days = {start} | {w.start for w in windows if start <= w.start <= end}
    return max(
        (sum((w.weekly_hours for w in windows if w.start <= d <= w.end), Decimal(0)) for d in days),
        default=Decimal(0),
    )


# One small function per event, registered with ``@evolves(EventType)`` over
# ``def name(state: AssistantState, event: EventType) -> AssistantState`` (as a case's in
# case/state.py); a test checks every assistant event has one.
EVOLVERS: ByType[Callable[[AssistantState, Any], AssistantState]] = ByType("an evolve function")
evolves = EVOLVERS.register


# The state after ``event``; an event an assistant does not show leaves it as it is.
evolve = evolve_by_type(EVOLVERS)


@evolves(AssistantRegistered)
def assistant_registered(state: AssistantState, event: AssistantRegistered) -> AssistantState:
    return replace(state, registered=event)


@evolves(AssistantPaymentDetailsChanged)
def payment_details_changed(
    state: AssistantState, event: AssistantPaymentDetailsChanged
) -> AssistantState:
    if state.registered is None:  # never so: decide refuses it for an unknown assistant
        return state
    changed = event.model_dump(include={"iban", "tax_status", "tax_book_held"}, exclude_none=True)
    return replace(state, registered=state.registered.model_copy(update=changed))


@evolves(AssistantAssigned)
def assistant_assigned(state: AssistantState, event: AssistantAssigned) -> AssistantState:
    new = Assignment(event.assignment_id, event.case_id, event.assigned_from, event.weekly_hours)
    return replace(state, assignments=(*state.assignments, new))


@evolves(AssistantUnassigned)
def assistant_unassigned(state: AssistantState, event: AssistantUnassigned) -> AssistantState:
    assignments = tuple(
        replace(a, last_day=event.last_day) if a.assignment_id == event.assignment_id else a
        for a in state.assignments
    )
    return replace(state, assignments=assignments)
