"""The shapes of the decisions API's answers, for its OpenAPI description (issue #18).

The handlers build their answers from the case's events (``views.py``) and the read models
(``queries.py``); these models only describe them, and the contract test
(tests/contract) checks every answer against them. Dates are ISO text, hours and money
decimal text (exact). Where an answer carries an event as recorded, its model is the
event's own contract (shared/contracts), so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.decisions import (
    ApplicationForwarded,
    AssessmentRecorded,
    TaskClosed,
)

Event = dict[str, Any]


class _Out(BaseModel):
    # A client must ignore fields it does not know: answers may grow (partners' rule too).
    model_config = ConfigDict(extra="allow")


class DecisionOut(_Out):
    number: int = Field(ge=1, description="1 for the first decision of the case")
    type: str = Field(description="The event of the decision, e.g. HoursGranted")
    decided_on: date
    data: Event = Field(description="The decision's event data as recorded")
    document: str = Field(description="Path of the written decision in Latvian")


class CaseReply(_Out):
    """What every command on a case answers with: the case and its status after it."""

    case_id: str
    status: str = Field(description="The case's status after the command")


class InformationRequestReply(CaseReply):
    request_id: str
    decision_deadline: date | None


class AssessmentReply(CaseReply):
    assessment: AssessmentRecorded


class DecisionReply(CaseReply):
    decision: DecisionOut = Field(description="The decision the command recorded")


class ForwardingReply(CaseReply):
    forwarded: ApplicationForwarded


class TaskClosedReply(CaseReply):
    task: TaskClosed


class OverdueCheckOut(_Out):
    today: date = Field(description="The Latvian date the deadlines were judged on")
    marked: list[str] = Field(description="Cases recorded as overdue now (DecisionOverdue)")


class CaseSummary(_Out):
    case_id: str
    status: str
    client_name: str
    received_on: date
    decision_deadline: date
    overdue: bool
    overdue_detected_on: date | None
    decided_on: date | None
    decided_late: bool | None
    rule_set: str | None
    unit: str | None
    hours: str | None = Field(description="Decimal text")
    period_start: date | None
    period_end: date | None
    suspended_from: date | None
    terminated_from: date | None
    termination_reason: str | None
    closed_on: date | None
    open_tasks: int
    decisions: int


class CaseList(_Out):
    items: list[CaseSummary]
    limit: int
    offset: int


class TaskOut(_Out):
    case_id: str
    task_id: str
    kind: str
    description: str
    effective_from: date | None
    effective_until: date | None
    source_report_id: str | None
    status: str = Field(description="open or closed")
    closed_on: date | None
    resolution: str | None


class TaskList(_Out):
    items: list[TaskOut]


class DecisionList(_Out):
    items: list[DecisionOut]


class AssignmentOut(_Out):
    assignment_id: str
    assistant_id: str
    case_id: str
    assigned_from: date
    weekly_hours: str = Field(description="Decimal text")
    last_day: date | None
    end_reason: str | None


class CaseOut(_Out):
    """The whole case (views.case_view) and its assistants' assignments."""

    case_id: str
    application_id: str
    municipality: str
    status: str
    received_on: date
    decision_deadline: date
    deadline_extended: bool
    overdue: bool
    overdue_recorded_on: date | None
    application: Event = Field(description="The application as the case opened with it")
    documents: list[Event]
    information_requests: list[Event]
    assessment: Event | None
    grant: Event | None = Field(description="The grant in force: unit, hours, period")
    suspension: Event | None
    terminated_from: date | None
    closed: Event | None
    decisions: list[DecisionOut]
    tasks: list[Event]
    assignments: list[AssignmentOut]


class AssistantSummary(_Out):
    assistant_id: str
    first_name: str
    last_name: str
    tax_status: str
    registered_on: date


class AssistantList(_Out):
    items: list[AssistantSummary]


class AssistantOut(AssistantSummary):
    personal_code: str
    iban: str
    tax_book_held: bool
    experience: str
    assignments: list[AssignmentOut]


class PaymentDetailsReply(_Out):
    """201 with the recorded ``AssistantPaymentDetailsChanged`` (only what changed); 200 with
    ``changed: false`` when nothing differed."""

    changed: bool
    assistant_id: str
    changed_on: date | None = None
    iban: str | None = None
    tax_status: str | None = None
    tax_book_held: bool | None = None
