"""Fixtures of the decisions integration tests: the service in-process and its database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from shared.settings import Settings
from tests.conftest import ServiceFactory
from tests.integration.test_decisions_support import decisions_db, start_decisions


@pytest.fixture
async def decisions(start_service: ServiceFactory, js: JetStreamContext) -> httpx.AsyncClient:
    return await start_decisions(start_service, js)


@pytest.fixture
async def db(settings: Settings, decisions: httpx.AsyncClient) -> AsyncIterator[asyncpg.Connection]:
    async with decisions_db(settings) as conn:
        yield conn
