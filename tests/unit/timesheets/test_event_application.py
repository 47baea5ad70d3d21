"""Event application as one small function per event (issue #8 point 2): every timesheets
event has its ``evolve`` function and its projection, every decisions event timesheets
learns from has its function, and no event type gets two."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest
from pydantic import BaseModel

from services.timesheets.domain.report import EVOLVERS, ReportState, evolve, evolves
from services.timesheets.grants.projection import HANDLED, learn, learns
from services.timesheets.report.projection import PROJECTORS, Meta, project, projects
from shared.contracts import decisions as dc
from shared.contracts.timesheets import SERVICE, TimesheetAttested, TimesheetDrafted
from shared.events.envelope import Envelope
from shared.events.registry import registry
from shared.rules import AgeGroup, Unit
from shared.store.types import Connection
from tests.unit.reporting.builders import PERSON_CODE, amended, granted

TIMESHEETS_EVENTS = {spec.model for spec in registry if spec.service == SERVICE}
# What timesheets knows of grants and assignments (docs/timesheets.md, "The checks").
LEARNED_FROM_DECISIONS = {
    dc.HoursGranted,
    dc.GrantAmended,
    dc.ServiceSuspended,
    dc.ServiceResumed,
    dc.ServiceTerminated,
    dc.CaseEnded,
    dc.AssistantRegistered,
    dc.AssistantAssigned,
    dc.AssistantUnassigned,
    # Issue #17: what is in effect after the signature.
    dc.ActNotified,
    dc.ObjectionFiled,
    dc.ObjectionDecided,
}


def test_every_timesheets_event_has_exactly_one_evolve_function() -> None:
    assert len(TIMESHEETS_EVENTS) == 8  # the contracts are imported, the registry filled
    assert EVOLVERS.types == TIMESHEETS_EVENTS


def test_every_timesheets_event_has_exactly_one_projection() -> None:
    assert PROJECTORS.types == TIMESHEETS_EVENTS


def test_every_decisions_event_timesheets_knows_of_has_exactly_one_function() -> None:
    assert set(HANDLED) == LEARNED_FROM_DECISIONS
    assert len(HANDLED) == len(LEARNED_FROM_DECISIONS)


def test_a_second_function_for_the_same_event_is_refused() -> None:
    with pytest.raises(ValueError, match="TimesheetDrafted already has an evolve function"):
        evolves(TimesheetDrafted)(lambda state, event: state)

    async def again(conn: object, envelope: object, event: BaseModel) -> None:
        return None

    with pytest.raises(ValueError, match="TimesheetDrafted already has a projection"):
        projects(TimesheetDrafted)(again)
    with pytest.raises(ValueError, match="ServiceResumed already has a learn function"):
        learns(dc.ServiceResumed)(again)  # one of the table's statements
    with pytest.raises(ValueError, match="ObjectionFiled already has a learn function"):
        learns(dc.ObjectionFiled)(again)  # one of the functions


class Unrelated(BaseModel):
    timesheet_id: str = "ts-1"


class Recording:
    """A connection that keeps the statements it is given."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    async def execute(self, sql: str, *args: Any) -> str:
        self.statements.append((sql, args))
        return "OK"


LUDZA = cast(Envelope, SimpleNamespace(municipality="ludza"))  # all a statement reads of it


def test_an_event_a_report_does_not_show_leaves_it_as_it_is() -> None:
    state = ReportState()
    assert evolve(state, Unrelated()) is state


async def test_an_event_the_read_models_do_not_show_writes_nothing() -> None:
    recording = Recording()
    conn = cast(Connection, recording)
    await project(conn, Meta("ludza", 1, None), Unrelated())
    await learn(conn, LUDZA, Unrelated())
    assert recording.statements == []


async def test_each_projected_event_is_written_to_the_history_after_its_rows() -> None:
    recording = Recording()
    attested = TimesheetAttested(
        timesheet_id="ts-1",
        assistant_id="A",
        case_id="K",
        month="2026-11",
        version=2,
        attested_on=date(2026, 12, 1),
        attested_by="client",
        days=[date(2026, 11, 2)],
    )
    await project(cast(Connection, recording), Meta("ludza", 7, "client:K"), attested)
    (update, update_args), (history, history_args) = recording.statements
    assert update.startswith("update reports set status = 'attested'")
    assert update_args == ("ts-1", date(2026, 12, 1), "client")
    assert history.startswith("insert into report_history")
    assert history_args[:5] == ("ts-1", 7, "TimesheetAttested", "client:K", 2)


async def test_a_grant_and_an_amendment_are_their_statements_in_order() -> None:
    # The arguments each statement takes from the event: the terms' unit as its value, the
    # activities sorted, the earlier terms ending the day before the amendment.
    recording = Recording()
    conn = cast(Connection, recording)
    start, end = date(2026, 11, 1), date(2027, 10, 31)
    for unit, age_group, any_activity in (
        (Unit.WEEK, AgeGroup.ADULT, False),
        (Unit.MONTH, AgeGroup.ADULT, True),  # rules.md §4.2a
        (Unit.WEEK, AgeGroup.CHILD, True),  # rules.md §4.3
    ):
        grant = granted(
            "c1", decided_on=start, start=start, end=end, unit=unit, age_group=age_group
        )
        await learn(conn, LUDZA, grant)
        (case, case_args), (terms, terms_args) = recording.statements
        assert case.startswith("insert into grant_cases")
        assert case_args == ("c1", "ludza", PERSON_CODE, any_activity)
        assert terms.startswith("insert into grant_terms")
        assert terms_args == ("c1", 1, unit.value, Decimal(27), ["work"], start, end)
        assert type(terms_args[2]) is str, "the unit's value, not the enum"
        recording.statements.clear()

    await learn(conn, LUDZA, amended("c1", 2, date(2026, 12, 9), end, "30"))
    (earlier, earlier_args), (terms, terms_args) = recording.statements
    assert earlier.startswith("update grant_terms set period_end")
    assert earlier_args == ("c1", 2, date(2026, 12, 8))
    assert terms_args == ("c1", 2, "week", Decimal(30), [], date(2026, 12, 9), end)
