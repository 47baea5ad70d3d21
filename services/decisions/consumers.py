"""Intake's events, turned into commands on the case of each application.

``EventConsumer`` runs every handler in one transaction with the event id's "processed"
mark, so a redelivered event changes nothing; the events appended here use the same
connection and commit with it (architecture.md §5). A case that does not exist yet (an
event overtook its application) raises ``NotFound``: the message is retried with back-off
and dead-lettered if the application never comes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
from pydantic import BaseModel

from services.decisions.case.commands import OpenCase, OpenTask, RecordDocument, WithdrawApplication
from services.decisions.case.decide import CaseCommand
from services.decisions.handlers.ports import RunCase
from shared.aggregate import ByType
from shared.bus.consumer import ConsumerSettings, EventConsumer, EventHandler
from shared.clock import riga_today
from shared.contracts.decisions import (
    ClaimedActivity,
    ClaimedPurpose,
    ClientData,
    RepresentativeData,
)
from shared.contracts.intake import (
    ApplicationDocumentAdded,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    CircumstancesReported,
)
from shared.events.envelope import Envelope
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection

CONSUMER = "decisions"
ACTOR = "decisions:intake-consumer"


def _context(envelope: Envelope) -> EventContext:
    return EventContext(
        municipality=envelope.municipality,
        correlation_id=envelope.correlationid,
        causation_id=envelope.id,
        actor=ACTOR,
    )


# One function per intake event: the case it concerns and the command it means for it,
# registered next to each other: each event handled is named once (``intake_consumer``).
_COMMANDS: ByType[Callable[[Any, Envelope], tuple[str, CaseCommand]]] = ByType("a command")


@_COMMANDS.register(ApplicationSubmitted)
def opened(data: ApplicationSubmitted, envelope: Envelope) -> tuple[str, CaseCommand]:
    applicant = data.applicant
    return data.application_id, OpenCase(
        application_id=data.application_id,
        # rules.md §3.5: the municipality that received it decides
        municipality=envelope.municipality,
        received_on=data.received_on,
        client=ClientData(
            personal_code=applicant.personal_code,
            first_name=applicant.first_name,
            last_name=applicant.last_name,
            birth_date=applicant.birth_date,
            declared_address=applicant.declared_address,  # the document is addressed there
        ),
        has_representative=data.representative is not None,
        representative=None
        if data.representative is None
        else RepresentativeData(
            first_name=data.representative.first_name,
            last_name=data.representative.last_name,
            relation=data.representative.relation.value,
        ),
        claimed_activities=tuple(
            ClaimedActivity(kind=a.kind, hours_per_week=a.hours_per_week) for a in data.activities
        ),
        receives_vision_benefit=data.receives_vision_benefit,
        weekly_medical_procedures=data.weekly_medical_procedures,
        requested_start=data.requested_start,
        claimed_purposes=tuple(
            ClaimedPurpose(purpose=p.purpose, proof=p.proof) for p in data.purposes
        ),
        functional_limitations=tuple(data.functional_limitations),
        car_adaptation_indications=data.car_adaptation_indications,
        group1_since_childhood_special_care=data.group1_since_childhood_special_care,
        dialysis_or_stage_iv_cancer_therapy=data.dialysis_or_stage_iv_cancer_therapy,
    )


@_COMMANDS.register(ApplicationDocumentAdded)
def document_added(data: ApplicationDocumentAdded, _: Envelope) -> tuple[str, CaseCommand]:
    return data.application_id, RecordDocument(
        document_id=data.document_id,
        kind=data.kind.value,
        title=data.title,
        content_sha256=data.content_sha256,
        storage_ref=data.storage_ref,
        received_on=data.received_on,
    )


@_COMMANDS.register(ApplicationWithdrawn)
def withdrawn(data: ApplicationWithdrawn, _: Envelope) -> tuple[str, CaseCommand]:
    return data.application_id, WithdrawApplication(data.withdrawn_on, riga_today())


@_COMMANDS.register(CircumstancesReported)
def circumstances_reported(data: CircumstancesReported, _: Envelope) -> tuple[str, CaseCommand]:
    # rules.md §5.5: a change leads to an amendment, a suspension or a termination; which
    # one is the caseworker's decision, so the change becomes a task.
    return data.application_id, OpenTask(
        task_id=data.report_id,
        kind=data.kind.value,
        description=data.description,
        effective_from=data.effective_from,
        effective_until=data.effective_until,
        source_report_id=data.report_id,
    )


def command_for(data: BaseModel, envelope: Envelope) -> tuple[str, CaseCommand]:
    """The case an intake event concerns and the command it means for it."""
    make = _COMMANDS.get(type(data))
    if make is None:
        raise TypeError(f"decisions has no command for {type(data).__name__}")
    return make(data, envelope)


def handler(store: EventStore, run_case: RunCase[CaseCommand]) -> EventHandler:
    async def handle(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        case_id, command = command_for(data, envelope)
        await run_case(conn, store, case_id, command, _context(envelope), None)

    return handle


def intake_consumer(
    store: EventStore,
    pool: asyncpg.Pool,
    settings: ConsumerSettings,
    run_case: RunCase[CaseCommand],
) -> EventConsumer:
    """The durable consumer of intake's stream; ``run_case``: handlers/cases.py's, which
    app.py passes (handlers/ports.py)."""
    handle = handler(store, run_case)
    return EventConsumer(
        CONSUMER, "intake", {event.__name__: handle for event in _COMMANDS.types}, pool, settings
    )
