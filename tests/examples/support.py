"""Loading the examples as modules, and the real services that produce their events.

The files in ``examples/`` are scripts for humans (``01_subscribe.py``: not importable by
name), so the tests load them by path; each example is a function returning what it
printed (issue 18, point 3).
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from datetime import date
from types import ModuleType
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext

from shared.contracts.intake import ApplicationSubmitted, Person
from shared.events.envelope import new_event_id
from shared.store.eventstore import EventContext, EventStore
from tests.conftest import ROOT, Servers, auth
from tests.integration.test_decisions_support import (
    TODAY,
    adult_facts,
    eventually,
    publish,
    submitted,
)

EXAMPLES = ROOT / "examples"


def example(file_name: str) -> ModuleType:
    """``examples/<file_name>`` as a module (its ``__main__`` part does not run)."""
    name = f"asist_example_{file_name.removesuffix('.py')}"
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / file_name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def partner_password(stack: Servers, partner: str) -> str:
    """A partner's password: known only when the harness started NATS itself."""
    if partner not in stack.nats_passwords:
        pytest.skip("the servers were named by ASIST_*: partner passwords unknown")
    return stack.nats_passwords[partner]


async def submit(js: JetStreamContext, municipality: str, **changes: Any) -> ApplicationSubmitted:
    """An ApplicationSubmitted on the bus as intake's relay publishes it."""
    data = submitted(**changes)
    context = EventContext(municipality=municipality, correlation_id=new_event_id())
    envelope = EventStore("intake").envelope(f"application-{data.application_id}", 1, data, context)
    await publish(js, envelope)
    return data


def ludza_person() -> Person:
    return Person(
        personal_code="12038512342",
        first_name="Anna",
        last_name="Kalniņa",
        birth_date=date(1985, 3, 12),
        declared_address="Raiņa iela 2, Ludza, LV-5701",
    )


async def grant(
    decisions: httpx.AsyncClient,
    js: JetStreamContext,
    municipality: str = "daugavpils",
    token: str = "dgp-caseworker",
) -> str:
    """A case of ``municipality`` granted 160 h/month from today by the real decisions
    service (which publishes HoursGranted through its relay); returns the case id."""
    changes: dict[str, Any] = {"applicant": ludza_person()} if municipality == "ludza" else {}
    data = await submit(js, municipality, **changes)
    base = f"/municipalities/{municipality}/cases/{data.application_id}"

    async def opened() -> bool:
        return (await decisions.get(base, headers=auth(token))).status_code == 200

    await eventually(opened)
    for path, body in (
        ("assessment", adult_facts()),
        ("decision", {"period_start": TODAY.isoformat()}),
    ):
        response = await decisions.post(f"{base}/{path}", json=body, headers=command(token))
        assert response.status_code == 201, response.text
    return data.application_id


def command(token: str) -> dict[str, str]:
    return {**auth(token), "Idempotency-Key": str(uuid.uuid4())}
