"""The JSON of a case (api/views.py): what the caseworker reads of each task."""

from __future__ import annotations

from services.decisions.api.views import case_view
from services.decisions.case.commands import CloseTask, OpenTask
from tests.unit.decisions.builders import DECIDED, RECEIVED, open_case, run


def test_a_task_shows_its_fields_as_opened_and_how_it_was_closed() -> None:
    report = OpenTask("t1", "inpatient", "hospital", RECEIVED, None, "r1")
    opened = run([open_case(), report])
    closed = run([CloseTask("t1", "suspended", DECIDED)], opened)

    [task] = case_view(opened, DECIDED)["tasks"]
    assert task == {
        "task_id": "t1",
        "kind": "inpatient",
        "description": "hospital",
        "effective_from": RECEIVED.isoformat(),
        "effective_until": None,
        "source_report_id": "r1",
        "closed_on": None,
        "resolution": None,
        "status": "open",
    }
    [task] = case_view(closed, DECIDED)["tasks"]
    assert (task["closed_on"], task["resolution"], task["status"]) == (
        DECIDED.isoformat(),
        "suspended",
        "closed",
    )
