"""JSON views of a case aggregate for the API (read from the case's own events)."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.decisions.case.state import CaseState, CaseStatus, Decision, Objection, Task
from shared.rules import is_decision_overdue


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def decision_view(state: CaseState, decision: Decision) -> dict[str, Any]:
    assert state.opened is not None
    number = decision.decision_number
    base = f"/municipalities/{state.opened.municipality}/cases/{state.opened.case_id}"
    notified = state.notification(number)
    objections = [o for o in state.objections if o.filed.decision_number == number]
    return {
        "number": number,
        "type": type(decision).__name__,
        "decided_on": decision.decided_on.isoformat(),
        "data": decision.model_dump(mode="json"),
        "document": f"{base}/decisions/{number}/document",
        # Issue #17: after the signature (legal.md §5–§6).
        "notification": notified.model_dump(mode="json", exclude={"case_id"}) if notified else None,
        "objections": [objection_view(o) for o in objections],
        "held_back": number in state.held_back(),
    }


def objection_view(objection: Objection) -> dict[str, Any]:
    filed = objection.filed.model_dump(mode="json", exclude={"case_id"})
    decided = objection.decided
    return filed | {
        "status": "pending" if decided is None else "decided",
        "decision": None
        if decided is None
        else decided.model_dump(mode="json", exclude={"case_id", "objection_id"}),
    }


def case_view(state: CaseState, today: date) -> dict[str, Any]:
    """The whole case; ``overdue`` is as of ``today`` (rules.md §5.4), recorded or not."""
    opened = state.opened
    assert opened is not None
    overdue = state.overdue is not None or (
        state.status is CaseStatus.OPEN
        and not state.defect_pending
        and is_decision_overdue(opened.received_on, today, deadline=state.deadline)
    )
    grant = state.grant
    return {
        "case_id": opened.case_id,
        "application_id": opened.application_id,
        "municipality": opened.municipality,
        "status": state.status.value,
        "received_on": opened.received_on.isoformat(),
        "decision_deadline": (state.deadline or opened.decision_deadline).isoformat(),
        "deadline_extended": state.extended_deadline is not None,
        "overdue": overdue,
        "overdue_recorded_on": state.overdue.detected_on.isoformat() if state.overdue else None,
        "application": opened.model_dump(
            mode="json", exclude={"case_id", "application_id", "municipality"}
        ),
        "documents": [d.model_dump(mode="json", exclude={"case_id"}) for d in state.documents],
        "information_requests": [
            r.model_dump(mode="json", exclude={"case_id"}) for r in state.information_requests
        ],
        "assessment": (
            state.assessment.model_dump(mode="json", exclude={"case_id"})
            if state.assessment
            else None
        ),
        "grant": None
        if grant is None
        else _json(
            {
                "rule_set": grant.rule_set.value,
                "unit": grant.unit.value,
                "hours": str(grant.hours),
                "hours_from": grant.hours_from,
                "period_start": grant.period_start,
                "period_end": grant.period_end,
                "breakdown": [b.model_dump(mode="json") for b in grant.breakdown],
                "purpose": grant.purpose.value if grant.purpose else None,
                "intensity_level": grant.intensity_level,
                "last_service_day": state.service_last_day,
            }
        ),
        "suspension": (
            state.suspension.model_dump(mode="json", exclude={"case_id"})
            if state.suspension
            else None
        ),
        "terminated_from": state.terminated_from.isoformat() if state.terminated_from else None,
        "closed": state.closed.model_dump(mode="json", exclude={"case_id"})
        if state.closed
        else None,
        "decisions": [decision_view(state, d) for d in state.decisions],
        "objections": [objection_view(o) for o in state.objections],
        "left_without_progress": state.defect.model_dump(mode="json", exclude={"case_id"})
        if state.defect
        else None,
        "defect_fixed": state.defect_fixed.model_dump(mode="json", exclude={"case_id"})
        if state.defect_fixed
        else None,
        "ended": state.ended.model_dump(mode="json", exclude={"case_id"}) if state.ended else None,
        "tasks": [task_view(t) for t in state.tasks],
    }


def task_view(task: Task) -> dict[str, Any]:
    """A task as the case's JSON shows it: its fields as opened, how it was closed."""
    opened = task.opened.model_dump(mode="json", exclude={"case_id"})
    closed_on = task.closed_on.isoformat() if task.closed_on else None
    closed = {"closed_on": closed_on, "resolution": task.resolution}
    return opened | closed | {"status": "open" if task.is_open else "closed"}
