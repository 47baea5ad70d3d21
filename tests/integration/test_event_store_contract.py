"""PostgreSQL's event store passes the contract of every event store (issue #8); what only
it has (transactions, outbox, commit-safe order) is in test_event_store.py."""

from __future__ import annotations

import asyncpg
import pytest

from shared.store.eventstore import EventStore
from tests.contracts.event_store_contract import EventStoreContract, Subject, contract_registry

pytestmark = pytest.mark.integration


class TestPostgresEventStore(EventStoreContract):
    @pytest.fixture
    def subject(self, event_db: asyncpg.Pool) -> Subject:
        return Subject(EventStore("probe", contract_registry), event_db.acquire)
