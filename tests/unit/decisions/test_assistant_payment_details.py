"""The assistant's payment details: only what differs is recorded (rules.md §8), pure."""

from __future__ import annotations

from datetime import date

from services.decisions.assistant.domain import (
    AssistantState,
    ChangePaymentDetails,
    RegisterAssistant,
    decide,
    evolve,
)
from shared.contracts.decisions import AssistantPaymentDetailsChanged
from shared.rules import TaxStatus

TODAY = date(2026, 12, 3)


def registered(tax_book_held: bool = False) -> AssistantState:
    command = RegisterAssistant(
        "a1",
        "daugavpils",
        "12038512342",
        "Pēteris",
        "Ozols",
        "LV80BANK0000435195001",
        TaxStatus.EMPLOYEE_LIKE,
        "experience",
        TODAY,
        tax_book_held,
    )
    state = AssistantState()
    for event in decide(command, state):
        state = evolve(state, event)
    return state


def test_registration_records_whether_the_tax_book_is_held() -> None:
    assert registered(tax_book_held=True).registered is not None
    assert registered(tax_book_held=True).registered.tax_book_held  # type: ignore[union-attr]


def test_only_the_changed_details_are_recorded_and_then_known() -> None:
    state = registered()
    change = ChangePaymentDetails(
        TODAY, iban="LV97HABA0012345678910", tax_status=TaxStatus.EMPLOYEE_LIKE
    )
    [event] = decide(change, state)
    assert isinstance(event, AssistantPaymentDetailsChanged)
    assert (event.iban, event.tax_status, event.tax_book_held) == (
        "LV97HABA0012345678910",
        None,
        None,
    )
    state = evolve(state, event)
    assert state.registered is not None and state.registered.iban == "LV97HABA0012345678910"
    assert decide(change, state) == []
