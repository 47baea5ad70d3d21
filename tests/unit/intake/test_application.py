"""After submission: documents (§5.3), withdrawal (§5.6), changes of circumstances (§5.5)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.intake import domain
from services.intake.errors import ApplicationClosed, ApplicationNotFound, InvalidCommand
from shared.contracts.intake import (
    ApplicationDocumentAdded,
    ApplicationWithdrawn,
    CircumstancesReported,
)
from tests.unit.intake.builders import (
    APPLICATION_ID,
    RECEIVED,
    TODAY,
    add_document,
    report,
    submitted_state,
    withdraw,
)


def withdrawn_state() -> domain.Application:
    state = submitted_state()
    for event in domain.decide(withdraw(), state):
        state = domain.evolve(state, event)
    return state


def test_a_document_is_added_to_a_submitted_application() -> None:
    [event] = domain.decide(add_document(), submitted_state())
    assert isinstance(event, ApplicationDocumentAdded)
    assert event.application_id == APPLICATION_ID
    assert event.kind == "commission_opinion"
    assert domain.evolve(submitted_state(), event).document_ids == {event.document_id}


def test_a_document_needs_an_application() -> None:
    with pytest.raises(ApplicationNotFound):
        domain.decide(add_document(), domain.INITIAL)


def test_a_withdrawn_application_takes_no_more_documents() -> None:
    with pytest.raises(ApplicationClosed):
        domain.decide(add_document(), withdrawn_state())


def test_a_document_cannot_be_received_in_the_future() -> None:
    with pytest.raises(InvalidCommand) as refusal:
        domain.decide(add_document(received_on=TODAY + timedelta(days=1)), submitted_state())
    assert [e.field for e in refusal.value.errors] == ["received_on"]


def test_an_application_is_withdrawn_in_writing() -> None:
    [event] = domain.decide(withdraw(), submitted_state())
    assert isinstance(event, ApplicationWithdrawn)
    assert (event.withdrawn_on, event.reason) == (TODAY, "moved away")
    assert domain.evolve(submitted_state(), event).status is domain.Status.WITHDRAWN


def test_an_application_can_be_withdrawn_only_once() -> None:
    with pytest.raises(ApplicationClosed):
        domain.decide(withdraw(), withdrawn_state())


def test_an_unknown_application_cannot_be_withdrawn() -> None:
    with pytest.raises(ApplicationNotFound):
        domain.decide(withdraw(), domain.INITIAL)


@pytest.mark.parametrize("withdrawn_on", [RECEIVED - timedelta(days=1), TODAY + timedelta(days=1)])
def test_a_withdrawal_lies_between_the_receipt_and_today(withdrawn_on: date) -> None:
    with pytest.raises(InvalidCommand) as refusal:
        domain.decide(withdraw(withdrawn_on=withdrawn_on), submitted_state())
    assert [e.field for e in refusal.value.errors] == ["withdrawn_on"]


def test_a_change_of_circumstances_is_reported_even_ahead_of_time() -> None:
    # rules.md §5.5: report promptly; a planned hospital stay can be reported before it starts.
    [event] = domain.decide(report(), submitted_state())
    assert isinstance(event, CircumstancesReported)
    assert event.kind == "inpatient"
    assert event.effective_from > TODAY
    assert domain.evolve(submitted_state(), event).report_ids == {event.report_id}


def test_a_change_cannot_end_before_it_starts() -> None:
    command = report(effective_until=report().event.effective_from - timedelta(days=1))
    with pytest.raises(InvalidCommand) as refusal:
        domain.decide(command, submitted_state())
    assert [e.field for e in refusal.value.errors] == ["effective_until"]


def test_changes_cannot_be_reported_on_a_withdrawn_application() -> None:
    with pytest.raises(ApplicationClosed):
        domain.decide(report(), withdrawn_state())


def test_the_state_is_the_fold_of_the_history() -> None:
    state = submitted_state()
    history = [
        *domain.decide(add_document(), state),
        *domain.decide(report(), state),
        *domain.decide(withdraw(), state),
    ]
    for event in history:
        state = domain.evolve(state, event)
    assert state.status is domain.Status.WITHDRAWN
    assert state.received_on == RECEIVED
    assert len(state.document_ids) == len(state.report_ids) == 1
