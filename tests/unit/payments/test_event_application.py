"""Event application as one small function per event (issue #8 point 2), as in decisions:
every event of a payment run has its ``evolve`` function, the monthly report's its own,
every payments event its projection, every upstream event payments learns from its handler,
and no event type gets two."""

from __future__ import annotations

from typing import Any, cast

import pytest
from pydantic import BaseModel

from services.payments import report_commands, run_domain
from services.payments.projections import projected_event_types, projects
from services.payments.run_domain import RunState, evolve, evolves
from services.payments.upstream import upstream_consumers
from services.payments.upstream_registry import (
    DECISIONS,
    TIMESHEETS,
    from_decisions,
    from_timesheets,
)
from shared.bus.consumer import ConsumerSettings
from shared.contracts import decisions, timesheets
from shared.contracts.payments import SERVICE, MonthlyReportSubmitted, PaymentRunOpened
from shared.contracts.privacy import PersonalDataErased
from shared.events.registry import registry
from shared.store.eventstore import EventStore

PAYMENTS_EVENTS = {spec.model for spec in registry if spec.service == SERVICE}
# The report has its own stream (report-<municipality>-<month>), the rest are the run's.
REPORT_EVENTS = {MonthlyReportSubmitted}
# What payments learns from decisions: assistants, grants, and what is in effect after the
# signature (issue #17). Nothing else of a case pays or counts in the monthly report.
FROM_DECISIONS = {
    decisions.AssistantRegistered,
    decisions.AssistantPaymentDetailsChanged,
    decisions.CaseOpened,
    decisions.HoursGranted,
    decisions.ApplicationRefused,
    decisions.GrantAmended,
    decisions.ServiceTerminated,
    decisions.ServiceSuspended,
    decisions.ServiceResumed,
    decisions.ObjectionFiled,
    decisions.ObjectionDecided,
    decisions.ActNotified,
    decisions.CaseEnded,
}
# The hours that count for pay: approved, and corrected after approval.
FROM_TIMESHEETS = {timesheets.TimesheetApproved, timesheets.TimesheetCorrected}


def test_every_event_of_a_run_has_exactly_one_evolve_function() -> None:
    assert run_domain.EVOLVERS.types == PAYMENTS_EVENTS - REPORT_EVENTS


def test_the_monthly_report_applies_its_submission() -> None:
    assert report_commands.EVOLVERS.types == REPORT_EVENTS


def test_every_payments_event_has_exactly_one_projection() -> None:
    assert projected_event_types() == PAYMENTS_EVENTS


def test_every_upstream_event_payments_learns_from_has_exactly_one_handler() -> None:
    assert DECISIONS.types == FROM_DECISIONS
    assert TIMESHEETS.types == FROM_TIMESHEETS


def test_the_consumers_take_the_registered_handlers_by_event_name() -> None:
    # The durables subscribe to exactly these subjects (shared/bus/consumer.py ``config``).
    pool = cast(Any, None)  # not connected: the consumers are only built
    decisions_consumer, timesheets_consumer = upstream_consumers(
        EventStore(SERVICE), pool, ConsumerSettings()
    )
    names = {event.__name__ for event in FROM_DECISIONS | {PersonalDataErased}}
    assert set(decisions_consumer.handlers) == names
    assert decisions_consumer.handlers["HoursGranted"] is DECISIONS.of(decisions.HoursGranted)
    assert set(timesheets_consumer.handlers) == {event.__name__ for event in FROM_TIMESHEETS}


async def _nothing(conn: object, envelope: object, event: BaseModel) -> None:
    return None


def test_a_second_function_for_the_same_event_is_refused() -> None:
    with pytest.raises(ValueError, match="PaymentRunOpened already has an evolve function"):
        evolves(PaymentRunOpened)(lambda state, event: state)
    with pytest.raises(ValueError, match="PaymentRunOpened already has a projection"):
        projects(PaymentRunOpened)(_nothing)
    with pytest.raises(ValueError, match="CaseEnded already has a handler of decisions' events"):
        from_decisions(decisions.CaseEnded)(_nothing)
    with pytest.raises(ValueError, match="TimesheetCorrected already has a handler of timesh"):
        from_timesheets(timesheets.TimesheetCorrected)(_nothing)


class Unrelated(BaseModel):
    note: str


def test_an_event_that_is_not_the_aggregates_leaves_it_as_it_is() -> None:
    state = RunState()
    assert evolve(state, Unrelated(note="not a run's event")) is state
    assert report_commands.evolve(None, Unrelated(note="not a report's event")) is None
