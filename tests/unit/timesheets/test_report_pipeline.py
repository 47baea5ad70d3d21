"""A command on a report runs on the shared command pipeline in ONE attempt
(services/timesheets/report/handlers.py): a report that changed between the read and the
append is a conflict (409), never decided again on the newer state, because a command
there is a person's verdict on the version they saw.
"""

from __future__ import annotations

from typing import cast

import pytest
from pydantic import BaseModel

import shared.contracts  # noqa: F401  (registers the event types)
from services.timesheets.domain.report import (
    REPORT,
    Reject,
    Reopen,
    ReportState,
    SaveDraft,
    Submit,
    decide,
    stream_of,
)
from services.timesheets.report.handlers import run
from shared.store.eventstore import ConcurrencyError, EventContext
from shared.store.memory import MemoryEventStore
from shared.store.types import Connection
from tests.unit.pipeline.rivals import RivalStore
from tests.unit.timesheets.builders import REPORT as REPORT_IDS
from tests.unit.timesheets.builders import TODAY, checks, entry

CONTEXT = EventContext(municipality="daugavpils", correlation_id="corr-1", actor="test")
STREAM = stream_of(REPORT_IDS.timesheet_id)


async def _rejection(store: MemoryEventStore, stream_id: str) -> list[BaseModel]:
    """A caseworker's rejection, committed right before our next append."""
    state, _ = await store.load(None, stream_id, REPORT.initial, REPORT.evolve)
    return decide(Reject(TODAY, ["REJECTED_OTHER"]), state)


async def submitted(store: MemoryEventStore) -> None:
    state = REPORT.initial
    for command in (
        SaveDraft(REPORT_IDS, [entry(TODAY.replace(month=11, day=2))], TODAY),
        Submit(TODAY, checks()),
    ):
        events = decide(command, state)
        version = await store.current_version(None, STREAM)
        await store.append(None, STREAM, version, events, CONTEXT)
        state = REPORT.fold(state, events)


async def test_a_conflict_on_a_report_is_not_decided_again() -> None:
    store = RivalStore("timesheets", _rejection)
    await submitted(store)
    store.rivals = 1
    seen: list[ReportState] = []

    def reopen(state: ReportState) -> list[BaseModel]:
        seen.append(state)
        return decide(Reopen(TODAY), state)

    with pytest.raises(ConcurrencyError):
        await run(cast(Connection, None), store, REPORT_IDS, reopen, CONTEXT)
    # The shared pipeline would decide again on the rejected report (and reopen it); the
    # report's commands make one attempt, so the caseworker sees the rejection first.
    assert len(seen) == 1
    kinds = [e.event_name for e in await store.read_stream(None, STREAM)]
    assert kinds == ["TimesheetDrafted", "TimesheetSubmitted", "TimesheetRejected"]
