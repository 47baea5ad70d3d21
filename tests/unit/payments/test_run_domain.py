"""The payment run: four eyes, approved once, returns recorded once (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import get_args

import pytest

from services.payments.domain import (
    FourEyes,
    IllegalTransition,
    InvalidCommand,
    check_month_closed,
    run_belongs_to,
)
from services.payments.run_domain import (
    RULES,
    ApproveRun,
    OpenRun,
    ReturnPayment,
    RunCommand,
    RunState,
    decide,
    evolve,
)
from shared.contracts.payments import (
    Money,
    PaymentIssued,
    PaymentReturned,
    PaymentRunApproved,
    RunTotals,
)

ZERO = Decimal("0.00")
MONEY = Money(
    gross=ZERO,
    employer_contribution=ZERO,
    employee_contribution=ZERO,
    income_tax=ZERO,
    net=Decimal("10.00"),
    total_cost=ZERO,
)
TOTALS = RunTotals(assistants=1, payments=1, hours=ZERO, money=MONEY, administration_amount=ZERO)
TODAY = date(2026, 12, 2)


def opened() -> RunState:
    state = RunState()
    for event in decide(OpenRun("r1", "2026-11", "regular", TODAY, "finance:a", TOTALS), state):
        state = evolve(state, event)
    return state


def payment() -> PaymentIssued:
    return PaymentIssued(
        payment_id="p1",
        run_id="r1",
        assistant_id="a1",
        month="2026-11",
        tax_status="self_employed",
        hours=Decimal(2),
        money=MONEY,
        lines=[],
    )


def approve(state: RunState, actor: str) -> RunState:
    for event in decide(ApproveRun(TODAY, actor, TOTALS, [payment()], [], None), state):
        state = evolve(state, event)
    return state


def test_every_command_has_exactly_its_rule() -> None:
    # The rules are registered by type (@decides), so a command added to ``RunCommand``
    # without one would only fail when first sent.
    assert frozenset(get_args(RunCommand)) == RULES.types


def test_the_user_who_opened_a_run_may_not_approve_it() -> None:
    with pytest.raises(FourEyes, match="another finance user"):
        approve(opened(), "finance:a")


def test_a_second_user_approves_once() -> None:
    state = approve(opened(), "finance:b")
    assert isinstance(state.approved, PaymentRunApproved)
    assert list(state.issued) == ["p1"]
    with pytest.raises(IllegalTransition, match="already approved"):
        approve(state, "finance:c")


def test_a_run_is_opened_once() -> None:
    with pytest.raises(IllegalTransition):
        decide(OpenRun("r1", "2026-11", "regular", TODAY, "finance:a", TOTALS), opened())


def test_a_return_is_recorded_once_however_often_it_is_reported() -> None:
    state = approve(opened(), "finance:b")
    [event] = decide(ReturnPayment("p1", "AC04", TODAY), state)
    assert isinstance(event, PaymentReturned)
    assert (event.amount, event.reason_code) == (Decimal("10.00"), "AC04")
    assert decide(ReturnPayment("p1", "AC04", TODAY), evolve(state, event)) == []


def test_a_month_is_paid_only_after_it_ends() -> None:
    check_month_closed("2026-11", date(2026, 12, 1))
    with pytest.raises(InvalidCommand, match="has not ended"):
        check_month_closed("2026-12", date(2026, 12, 31))


def test_a_run_belongs_to_its_municipality_only_never_by_prefix() -> None:
    assert run_belongs_to("ventspils-2026-11-1", "ventspils")
    assert not run_belongs_to("ventspils-novads-2026-11-1", "ventspils")
    assert run_belongs_to("ventspils-novads-2026-11-1", "ventspils-novads")
