"""The payment run of one municipality and month: open, approve, returns (pure).

A run is a draft with a preview until a second finance user approves it (four eyes);
approval records ``PaymentRunApproved``, one ``PaymentIssued`` (or ``PaymentReissued``)
per assistant and ``PaymentBatchExported`` with the bank file, all in one append, so a
crash leaves either the whole approval or none of it (rules.md §8.1: never twice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, TypedDict

from pydantic import BaseModel

from services.payments.domain import RUN_STREAM_PREFIX, FourEyes, IllegalTransition, NotFound
from shared.aggregate import Aggregate, ByType, evolve_by_type
from shared.contracts.payments import (
    PaymentBatchExported,
    PaymentIssued,
    PaymentReissued,
    PaymentReturned,
    PaymentRunApproved,
    PaymentRunOpened,
    RunKind,
    RunTotals,
)


@dataclass(frozen=True)
class RunState:
    opened: PaymentRunOpened | None = None
    approved: PaymentRunApproved | None = None
    issued: dict[str, PaymentIssued] = field(default_factory=dict)
    reissued: dict[str, PaymentReissued] = field(default_factory=dict)
    returned: frozenset[str] = frozenset()
    exported: PaymentBatchExported | None = None

    @property
    def status(self) -> str:
        if self.opened is None:
            return "none"
        return "approved" if self.approved is not None else "draft"


@dataclass(frozen=True)
class OpenRun:
    run_id: str
    month: str
    kind: RunKind
    today: date
    actor: str
    totals: RunTotals


@dataclass(frozen=True)
class ApproveRun:
    today: date
    actor: str
    totals: RunTotals
    payments: list[PaymentIssued]
    reissues: list[PaymentReissued]
    export: PaymentBatchExported | None


@dataclass(frozen=True)
class ReturnPayment:
    payment_id: str
    reason_code: str
    today: date


RunCommand = OpenRun | ApproveRun | ReturnPayment
ZERO = Decimal("0.00")


def check_may_approve(state: RunState, actor: str) -> PaymentRunOpened:
    """Guards of approval, checked before the (costly) payments and bank file are built."""
    opened = state.opened
    if opened is None:
        raise NotFound("no such payment run")
    if state.approved is not None:
        raise IllegalTransition(f"payment run {opened.run_id} is already approved")
    if actor == opened.opened_by:
        raise FourEyes(
            "four eyes: you opened this payment run, so another finance user of the "
            "municipality must approve it"
        )
    return opened


# Each rule is registered with ``@decides(CommandType)`` over
# ``def name(command: CommandType, state: RunState) -> list[BaseModel]`` (shared/aggregate.py
# ``ByType``), so adding a command is its dataclass and its rule, not also a case of a
# ``match`` elsewhere; a test checks every ``RunCommand`` has its rule.
RULES: ByType[Callable[[Any, RunState], list[BaseModel]]] = ByType("a rule")
decides = RULES.register


def decide(command: RunCommand, state: RunState) -> list[BaseModel]:
    """The events ``command`` causes on the run (none, some, or a refusal)."""
    return RULES.of(type(command))(command, state)


class RunIds(TypedDict):
    """What names the run in the events about it as a whole: its opening and its
    approval (shared/contracts/payments.py)."""

    run_id: str
    month: str
    kind: RunKind


def run_ids(run: OpenRun | PaymentRunOpened) -> RunIds:
    return RunIds(run_id=run.run_id, month=run.month, kind=run.kind)


@decides(OpenRun)
def decide_opening(command: OpenRun, state: RunState) -> list[BaseModel]:
    if state.opened is not None:
        raise IllegalTransition(f"payment run {command.run_id} is already open")
    return [
        PaymentRunOpened(
            **run_ids(command),
            opened_on=command.today,
            opened_by=command.actor,
            totals=command.totals,
        )
    ]


@decides(ApproveRun)
def decide_approval(command: ApproveRun, state: RunState) -> list[BaseModel]:
    """The approval (named as the opening named the run), then the payments and the
    bank file's record, in one append."""
    opened = check_may_approve(state, command.actor)
    approved = PaymentRunApproved(
        **run_ids(opened),
        approved_on=command.today,
        approved_by=command.actor,
        totals=command.totals,
    )
    export = [command.export] if command.export is not None else []
    return [approved, *command.payments, *command.reissues, *export]


def return_payments(commands: list[ReturnPayment], state: RunState) -> list[BaseModel]:
    """The returns of one bank report that fall on this run, each decided on the state the
    ones before it left (the same payment twice in one report is returned once)."""
    events: list[BaseModel] = []
    for command in commands:
        for event in decide(command, state):
            state = evolve(state, event)
            events.append(event)
    return events


@decides(ReturnPayment)
def decide_return(command: ReturnPayment, state: RunState) -> list[BaseModel]:
    opened = state.opened
    if opened is None:
        raise NotFound("no such payment run")
    if command.payment_id in state.returned:
        return []  # the same return reported again (a bank file uploaded twice)
    issued = state.issued.get(command.payment_id)
    reissued = state.reissued.get(command.payment_id)
    if issued is not None:
        assistant, amount = issued.assistant_id, max(issued.money.net - issued.recovered, ZERO)
    elif reissued is not None:
        assistant, amount = reissued.assistant_id, reissued.amount
    else:
        raise NotFound(f"no payment {command.payment_id} in run {opened.run_id}")
    if amount <= 0:
        raise IllegalTransition(
            f"payment {command.payment_id} sent no transfer (a recovery), so none can return"
        )
    return [
        PaymentReturned(
            payment_id=command.payment_id,
            run_id=opened.run_id,
            assistant_id=assistant,
            month=opened.month,
            amount=amount,
            reason_code=command.reason_code,
            returned_on=command.today,
        )
    ]


# One small function per event, registered with ``@evolves(EventType)`` over
# ``def name(state: RunState, event: EventType) -> RunState`` (decisions' case/state.py
# shape); a test checks the set of types against the run's events.
EVOLVERS: ByType[Callable[[RunState, Any], RunState]] = ByType("an evolve function")
evolves = EVOLVERS.register


# The run after one more event; an event that is not the run's leaves it as it is.
evolve = evolve_by_type(EVOLVERS)


@evolves(PaymentRunOpened)
def run_opened(state: RunState, event: PaymentRunOpened) -> RunState:
    return replace(state, opened=event)


@evolves(PaymentRunApproved)
def run_approved(state: RunState, event: PaymentRunApproved) -> RunState:
    return replace(state, approved=event)


@evolves(PaymentIssued)
def payment_issued(state: RunState, event: PaymentIssued) -> RunState:
    return replace(state, issued={**state.issued, event.payment_id: event})


@evolves(PaymentReissued)
def payment_reissued(state: RunState, event: PaymentReissued) -> RunState:
    return replace(state, reissued={**state.reissued, event.payment_id: event})


@evolves(PaymentReturned)
def payment_returned(state: RunState, event: PaymentReturned) -> RunState:
    return replace(state, returned=state.returned | {event.payment_id})


@evolves(PaymentBatchExported)
def batch_exported(state: RunState, event: PaymentBatchExported) -> RunState:
    return replace(state, exported=event)


RUN = Aggregate(category=RUN_STREAM_PREFIX, initial=RunState(), evolve=evolve)
"""The payment run for the command pipeline (shared/commands.py): ``run-<run id>``."""
