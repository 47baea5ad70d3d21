"""A caseworker's command and the intake consumer on the same case at once (issue #14).

Appends no longer share one lock for the whole database: the consumer (which takes no case
lock) may append to a case between an HTTP command's load and its append. The command then
reloads once, under the stream's lock, instead of answering 409.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from services.decisions.case.commands import RecordDocument
from services.decisions.case.state import CASE
from services.decisions.handlers.cases import run_case
from shared.privacy.setup import connected_protector
from shared.settings import Settings
from shared.store.db import database_dsn
from shared.store.eventstore import EventContext, EventStore
from tests.integration.test_decisions_support import (
    DGP,
    TODAY,
    adult_facts,
    event_names,
    headers,
    open_case,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


async def test_a_command_reloads_once_when_the_consumer_appended_to_the_case_meanwhile(
    decisions: httpx.AsyncClient, db: asyncpg.Connection, js: JetStreamContext, settings: Settings
) -> None:
    case_id = (await open_case(decisions, js))["case_id"]
    document = RecordDocument(
        document_id=str(uuid.uuid4()),
        kind="commission_opinion",
        title="Atzinums",
        content_sha256="ab" * 32,
        storage_ref="s3://daugavpils/atzinums.pdf",
        received_on=TODAY,
    )
    context = EventContext(municipality="daugavpils", correlation_id="test", actor="consumer")
    consumer = await asyncpg.connect(
        database_dsn(settings.database_url, settings.database_name("decisions"))
    )
    try:
        transaction = consumer.transaction()
        await transaction.start()
        # As the intake consumer would: a document recorded on the case, not yet committed.
        async with connected_protector(settings) as protector:
            store = EventStore("decisions", protector=protector)
            await run_case(consumer, store, case_id, document, context)
        assessment = asyncio.create_task(
            decisions.post(
                f"{DGP}/cases/{case_id}/assessment", json=adult_facts(), headers=headers()
            )
        )
        await asyncio.sleep(0.3)
        assert not assessment.done(), "the command should wait for the case's stream"
        await transaction.commit()
        response = await assessment
    finally:
        await consumer.close()
    assert response.status_code == 201, response.text
    names = await event_names(db, CASE.stream(case_id))
    assert names[-2] == "DocumentRecorded", names
    assert "Assessment" in names[-1], names
