"""Decisions' ``ApplicationForwarded``: the application arrives at the municipality of the
declared residence (rules.md §3.5) and is registered here as received on the day it was
forwarded, under an id derived from the first one (so a redelivery registers nothing new).
The decisions service then opens the case there from the ``ApplicationSubmitted``."""

from __future__ import annotations

import uuid

import asyncpg
from pydantic import BaseModel

from services.intake import case_status
from services.intake.domain import APPLICATION, RegisterForwarded, decide
from services.intake.projections import project_many
from shared.bus.consumer import ConsumerSettings, EventConsumer, EventHandler
from shared.commands import execute
from shared.contracts.decisions import ApplicationForwarded
from shared.contracts.intake import (
    ActivityRequest,
    ApplicationSubmitted,
    Channel,
    Person,
    PurposeRequest,
)
from shared.contracts.privacy import PersonalDataErased
from shared.events.envelope import Envelope
from shared.privacy.erasure import Rebuild, erasure_handler
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection

CONSUMER = "intake"
ACTOR = "intake:forwarded-applications"
FORWARDED_IDS = uuid.UUID("6f1c0de5-0000-4000-8000-0000000f0a4d")


def forwarded_id(data: ApplicationForwarded) -> str:
    """The same forwarded application always gets the same id in the other municipality."""
    return str(uuid.uuid5(FORWARDED_IDS, f"{data.application_id}:{data.to_municipality}"))


def submitted(data: ApplicationForwarded) -> ApplicationSubmitted:
    client = data.client
    return ApplicationSubmitted(
        application_id=forwarded_id(data),
        received_on=data.forwarded_on,
        channel=Channel.FORWARDED,
        applicant=Person(
            personal_code=client.personal_code,
            first_name=client.first_name,
            last_name=client.last_name,
            birth_date=client.birth_date,
            declared_address=client.declared_address,
        ),
        activities=[
            ActivityRequest(kind=a.kind, hours_per_week=a.hours_per_week)
            for a in data.claimed_activities
        ],
        receives_vision_benefit=data.receives_vision_benefit,
        weekly_medical_procedures=data.weekly_medical_procedures,
        requested_start=data.requested_start,
        purposes=[PurposeRequest(purpose=p.purpose, proof=p.proof) for p in data.claimed_purposes],
    )


def handler(store: EventStore) -> EventHandler:
    async def on_forwarded(conn: Connection, envelope: Envelope, data: BaseModel) -> None:
        assert isinstance(data, ApplicationForwarded)
        context = EventContext(
            municipality=data.to_municipality,
            correlation_id=envelope.correlationid or envelope.id,
            causation_id=envelope.id,
            actor=ACTOR,
        )
        command = RegisterForwarded(submitted(data))
        # A redelivery decides nothing: the application is registered already.
        await execute(
            store,
            conn,
            context,
            APPLICATION,
            APPLICATION.stream(command.application_id),
            lambda state: decide(command, state),
            project=project_many,
        )

    return on_forwarded


def decisions_consumer(
    store: EventStore,
    pool: asyncpg.Pool,
    settings: ConsumerSettings,
    rebuild: Rebuild,
) -> EventConsumer:
    """One durable on decisions' stream (two would split its messages between them):
    ``ApplicationForwarded`` (rules.md §3.5, issue #13), ``PersonalDataErased`` (scrub and
    rebuild intake's tables of an erased person, issue #9), and the events that change a
    case's status, which the application's view follows (``case_status.py``, issue 18).
    Its durable receives only these (``EventConsumer.config``)."""
    handlers = {
        **case_status.handlers(also={ApplicationForwarded.__name__: handler(store)}),
        PersonalDataErased.__name__: erasure_handler(store, rebuild),
    }
    return EventConsumer(CONSUMER, "decisions", handlers, pool, settings)
