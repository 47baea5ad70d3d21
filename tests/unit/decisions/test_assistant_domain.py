"""Assistants: registration and the 40 h/week across all clients (rules.md §6.1), pure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.decisions.assistant.domain import (
    WEEKLY_LIMIT_CODE,
    AssignAssistant,
    AssistantState,
    ClientGrant,
    RegisterAssistant,
    UnassignAssistant,
    decide,
    evolve,
    normalize_iban,
)
from services.decisions.domain import (
    IllegalTransition,
    InvalidCommand,
    NotFound,
)
from shared.contracts.decisions import AssistantAssigned, AssistantRegistered
from shared.rules import TaxStatus, Unit
from shared.rules.hours import weekly_equivalent

JAN = date(2026, 1, 1)
DEC = date(2026, 12, 31)


def registration(**changes: object) -> RegisterAssistant:
    fields = {
        "assistant_id": "a1",
        "municipality": "daugavpils",
        "personal_code": "12038512342",
        "first_name": "Pēteris",
        "last_name": "Ozols",
        "iban": "LV80BANK0000435195001",
        "tax_status": TaxStatus.EMPLOYEE_LIKE,
        "experience": "Cared for a brother",
        "today": JAN,
    }
    return RegisterAssistant(**(fields | changes))  # type: ignore[arg-type]


def grant(case_id: str, hours: int | str = 22, **changes: object) -> ClientGrant:
    fields = {
        "case_id": case_id,
        "in_force": True,
        "unit": Unit.WEEK,
        "hours": Decimal(hours),
        "period_start": JAN,
        "last_day": DEC,
    }
    return ClientGrant(**(fields | changes))  # type: ignore[arg-type]


def apply(state: AssistantState, *commands: object) -> AssistantState:
    for command in commands:
        for event in decide(command, state):  # type: ignore[arg-type]
            state = evolve(state, event)
    return state


def assignment(
    target: ClientGrant,
    grants: dict[str, ClientGrant],
    start: date = JAN,
    hours: str | None = None,
    assignment_id: str | None = None,
) -> AssignAssistant:
    return AssignAssistant(
        assignment_id or f"as-{target.case_id}",
        target,
        start,
        None if hours is None else Decimal(hours),
        grants,
    )


REGISTERED = apply(AssistantState(), registration())


def test_an_assistant_is_registered_once_with_a_statement_of_experience() -> None:
    [event] = decide(registration(), AssistantState())
    assert isinstance(event, AssistantRegistered) and event.registered_on == JAN
    with pytest.raises(IllegalTransition):
        decide(registration(), REGISTERED)
    with pytest.raises(InvalidCommand) as refused:
        decide(registration(experience="  "), AssistantState())
    assert refused.value.errors[0].field == "experience"  # rules.md §6.1


def test_an_iban_is_validated_and_stored_compact() -> None:
    assert normalize_iban("lv80 bank 0000 4351 9500 1") == "LV80BANK0000435195001"
    with pytest.raises(ValueError, match="IBAN"):
        normalize_iban("LV80BANK0000435195002")


def test_an_unregistered_assistant_cannot_be_assigned() -> None:
    with pytest.raises(NotFound):
        decide(assignment(grant("c1"), {}), AssistantState())


def test_an_assignment_counts_the_whole_grant_unless_a_share_is_given() -> None:
    [event] = decide(assignment(grant("c1"), {}), REGISTERED)
    assert isinstance(event, AssistantAssigned) and event.weekly_hours == 22
    [share] = decide(assignment(grant("c1"), {}, hours="12.5"), REGISTERED)
    assert isinstance(share, AssistantAssigned) and share.weekly_hours == Decimal("12.5")


def test_an_assignment_taking_the_assistant_past_forty_hours_a_week_is_refused() -> None:
    first = grant("c1")
    state = apply(REGISTERED, assignment(first, {}))
    with pytest.raises(InvalidCommand) as refused:
        decide(assignment(grant("c2"), {"c1": first}), state)
    [error] = refused.value.errors
    assert (error.field, error.code) == ("weekly_hours", WEEKLY_LIMIT_CODE)
    assert "44" in error.message and "rules.md §6.1" in error.message


def test_exactly_forty_hours_a_week_across_clients_is_allowed() -> None:
    first = grant("c1")
    state = apply(REGISTERED, assignment(first, {}))
    [event] = decide(assignment(grant("c2"), {"c1": first}, hours="18"), state)
    assert isinstance(event, AssistantAssigned)


def test_hours_of_an_ended_assignment_stop_counting_after_its_last_day() -> None:
    first = grant("c1")
    state = apply(
        REGISTERED,
        assignment(first, {}),
        UnassignAssistant("as-c1", date(2026, 6, 30), "moved"),
    )
    with pytest.raises(InvalidCommand):
        decide(assignment(grant("c2"), {"c1": first}, start=date(2026, 6, 30)), state)
    [event] = decide(assignment(grant("c2"), {"c1": first}, start=date(2026, 7, 1)), state)
    assert isinstance(event, AssistantAssigned)


def test_hours_of_a_client_whose_grant_ended_stop_counting() -> None:
    first = grant("c1")
    state = apply(REGISTERED, assignment(first, {}))
    ended = grant("c1", last_day=date(2026, 3, 31))  # terminated from 1 April
    [event] = decide(assignment(grant("c2"), {"c1": ended}, start=date(2026, 4, 1)), state)
    assert isinstance(event, AssistantAssigned)
    gone = grant("c1", in_force=False)
    [event] = decide(assignment(grant("c2"), {"c1": gone}), state)
    assert isinstance(event, AssistantAssigned)


def test_a_lowered_grant_counts_only_its_new_hours() -> None:
    state = apply(REGISTERED, assignment(grant("c1", 30), {}))
    lowered = grant("c1", 10)  # amended from 30 to 10 h/week
    [event] = decide(assignment(grant("c2", 30), {"c1": lowered}), state)
    assert isinstance(event, AssistantAssigned)


def test_a_share_may_not_exceed_the_clients_grant_nor_start_outside_it() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(assignment(grant("c1"), {}, start=date(2027, 1, 1), hours="23"), REGISTERED)
    assert [e.field for e in refused.value.errors] == ["assigned_from", "weekly_hours"]


def test_a_case_without_a_grant_in_force_cannot_be_served() -> None:
    with pytest.raises(IllegalTransition):
        decide(assignment(grant("c1", in_force=False), {}), REGISTERED)


def test_an_assistant_serves_a_client_once_at_a_time() -> None:
    first = grant("c1", 10)
    state = apply(REGISTERED, assignment(first, {}))
    with pytest.raises(IllegalTransition):
        decide(assignment(first, {"c1": first}, assignment_id="again"), state)


def test_an_assignment_ends_once_and_not_before_it_began() -> None:
    state = apply(REGISTERED, assignment(grant("c1"), {}, start=date(2026, 3, 1)))
    with pytest.raises(InvalidCommand):
        decide(UnassignAssistant("as-c1", date(2026, 2, 27), ""), state)
    ended = apply(state, UnassignAssistant("as-c1", date(2026, 2, 28), "never started"))
    with pytest.raises(IllegalTransition):
        decide(UnassignAssistant("as-c1", date(2026, 4, 1), ""), ended)
    with pytest.raises(NotFound):
        decide(UnassignAssistant("nope", date(2026, 4, 1), ""), ended)


def test_a_month_grant_counts_as_hours_times_twelve_over_fifty_two_a_week() -> None:
    assert weekly_equivalent(Decimal(80), Unit.MONTH) == Decimal("18.46")
    assert weekly_equivalent(Decimal(100), Unit.MONTH) == Decimal("23.08")
    assert weekly_equivalent(Decimal(22), Unit.WEEK) == Decimal(22)
    child = grant("c1", 100, unit=Unit.MONTH)
    state = apply(REGISTERED, assignment(child, {}))
    [event] = decide(assignment(grant("c2", "16.92"), {"c1": child}), state)  # 23.08 + 16.92
    assert isinstance(event, AssistantAssigned)
