"""Intake's events as commands on a case (services/decisions/consumers.py): one function per
event, and the handler runs each command with the runner app.py gives it
(handlers/ports.py), on the case the event names."""

from __future__ import annotations

from datetime import date
from typing import cast

import pytest
from pydantic import BaseModel

from services.decisions.case.commands import OpenCase, OpenTask, RecordDocument
from services.decisions.case.decide import CaseCommand
from services.decisions.case.state import CaseState
from services.decisions.consumers import ACTOR, command_for, handler
from shared.contracts.decisions import TaskClosed
from shared.contracts.intake import (
    ActivityRequest,
    ApplicationDocumentAdded,
    ApplicationSubmitted,
    ChangeKind,
    Channel,
    CircumstancesReported,
    DocumentKind,
    Person,
)
from shared.events.envelope import Envelope, new_event_id
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection

INTAKE = EventStore("intake")
APPLICATION = "application-1"
RECEIVED = date(2026, 3, 2)


def envelope_of(data: BaseModel) -> Envelope:
    context = EventContext(municipality="daugavpils", correlation_id=new_event_id())
    return INTAKE.envelope(f"application-{APPLICATION}", 1, data, context)


DOCUMENT = ApplicationDocumentAdded(
    application_id=APPLICATION,
    document_id="doc-1",
    kind=DocumentKind.COMMISSION_OPINION,
    title="VDEĀVK atzinums",
    content_sha256="ab" * 32,
    storage_ref="s3://intake/doc-1.pdf",
    received_on=RECEIVED,
)


def test_each_intake_event_becomes_its_command_on_the_case_it_names() -> None:
    change = CircumstancesReported(
        application_id=APPLICATION,
        report_id="report-1",
        kind=ChangeKind.INPATIENT,
        effective_from=RECEIVED,
        description="Hospital from today",
    )
    submitted = ApplicationSubmitted(
        application_id=APPLICATION,
        received_on=RECEIVED,
        channel=Channel.IN_PERSON,
        applicant=Person(
            personal_code="12038512342",
            first_name="Jānis",
            last_name="Bērziņš",
            birth_date=date(1985, 3, 12),
            declared_address="Rīgas iela 1, Daugavpils, LV-5401",
        ),
        activities=[ActivityRequest(kind="work", hours_per_week=20)],
    )

    assert command_for(DOCUMENT, envelope_of(DOCUMENT)) == (
        APPLICATION,
        RecordDocument(
            "doc-1",
            "commission_opinion",
            "VDEĀVK atzinums",
            "ab" * 32,
            DOCUMENT.storage_ref,
            RECEIVED,
        ),
    )
    assert command_for(change, envelope_of(change)) == (
        APPLICATION,
        OpenTask("report-1", "inpatient", "Hospital from today", RECEIVED, None, "report-1"),
    )
    case_id, opening = command_for(submitted, envelope_of(submitted))
    assert case_id == APPLICATION and isinstance(opening, OpenCase)
    # rules.md §3.5: the municipality that received the application decides it.
    assert opening.municipality == "daugavpils"


def test_an_event_with_no_command_is_refused() -> None:
    other = TaskClosed(case_id=APPLICATION, task_id="t1", closed_on=RECEIVED, resolution="done")
    with pytest.raises(TypeError, match="no command for TaskClosed"):
        command_for(other, envelope_of(DOCUMENT))


async def test_the_handler_runs_the_command_with_the_runner_it_was_given() -> None:
    ran: list[tuple[str, CaseCommand, EventContext, str | None]] = []

    async def run_case(
        conn: Connection,
        store: EventStore,
        case_id: str,
        command: CaseCommand,
        context: EventContext,
        municipality: str | None,
    ) -> tuple[CaseState, list[BaseModel]]:
        ran.append((case_id, command, context, municipality))
        return CaseState(), []

    envelope = envelope_of(DOCUMENT)
    await handler(INTAKE, run_case)(cast(Connection, None), envelope, DOCUMENT)

    [(case_id, command, context, municipality)] = ran
    assert (case_id, command) == command_for(DOCUMENT, envelope)
    assert (context.causation_id, context.actor, context.municipality) == (
        envelope.id,
        ACTOR,
        "daugavpils",
    )
    assert municipality is None  # an upstream event may name any municipality's case
