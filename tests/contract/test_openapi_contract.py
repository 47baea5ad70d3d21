"""Each running service answers as its own ``/openapi.json`` says (issue #18).

The five services run for real (uvicorn on a free port, the harness's NATS and PostgreSQL)
and schemathesis drives every operation of each from the description the service serves:
bounded, derandomized examples with a valid bearer token of the right municipality. Every
answer must be declared (status code), of the declared content type, match the declared
schema, and no answer may be a 5xx. A command sent again without its ``Idempotency-Key``
must get 400, as the description says the header is required.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import nats
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.bus.nats_auth import nats_auth
from shared.bus.provisioning import ensure_service_stream
from shared.settings import Settings
from tests.conftest import Servers, free_port, harness_settings

pytestmark = pytest.mark.integration

SERVICES = ("intake", "decisions", "timesheets", "payments", "reporting")
# A token of daugavpils per role (tests/conftest.py's, and a client's added here). Each
# operation is driven with a role its description lists (``security: [{bearer: [roles]}]``),
# the caseworker first where several may: the others are bound to a person and see less.
CLIENT = "contract-client"
TOKENS = {
    "caseworker": "dgp-caseworker",
    "finance": "dgp-finance",
    "ministry": "ministry",
    "assistant": "dgp-assistant",
    "client": CLIENT,
}
MUNICIPALITY = "daugavpils"  # the tokens' municipality: random slugs would only meet 403
EXAMPLES = 12  # per operation; ~100 operations in all keep the whole test near a minute
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
COMMANDS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC = frozenset({"/health", "/ready", "/metrics"})


@dataclass
class Running:
    urls: dict[str, str] = field(default_factory=dict)


async def _streams(stack: Servers) -> None:
    nc = await nats.connect(stack.nats_url, **nats_auth(stack.nats_settings()))
    try:
        js = nc.jetstream()
        for service in SERVICES:
            await ensure_service_stream(js, service)
    finally:
        await nc.close()


class _Server(threading.Thread):
    def __init__(self, service: str, config: Settings) -> None:
        super().__init__(name=f"contract-{service}", daemon=True)
        self.service = service
        app = importlib.import_module(f"services.{service}.app").create(config)
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, lifespan="on")
        )

    def run(self) -> None:
        self.server.run()

    def wait_started(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not self.server.started:
            if not self.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.05)


@pytest.fixture(scope="module")
def running(stack: Servers) -> Iterator[Running]:
    """All five services of one deployment, each a real HTTP server in this process."""
    asyncio.run(_streams(stack))
    config = harness_settings(stack)
    config = config.model_copy(update={"tokens": f"{config.tokens},{CLIENT}=client:{MUNICIPALITY}"})
    servers = [_Server(service, config) for service in SERVICES]
    try:
        for server in servers:
            server.start()
            server.wait_started()
        yield Running({s.service: f"http://127.0.0.1:{s.port}" for s in servers})
    finally:
        for server in servers:
            server.server.should_exit = True
        for server in servers:
            server.join(timeout=15)


def _token_for(security: list[dict[str, list[str]]]) -> dict[str, str]:
    """A bearer token of a role the operation admits; none for a public operation."""
    if not security:
        return {}
    roles = security[0]["bearer"] or list(TOKENS)
    role = next(r for r in TOKENS if r in roles)
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def _failure(case: Any, error: BaseException) -> str:
    return f"{case.operation.label}: {str(error).strip()[:1500]}"


@pytest.mark.parametrize("service", SERVICES)
def test_service_answers_as_its_openapi_says(running: Running, service: str) -> None:
    base = running.urls[service]
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        token = _token_for(operation.definition.raw.get("security", []))
        assert token or operation.path in PUBLIC, f"{operation.label} has no security"
        calls += _drive(operation, base, token, failures)

    assert calls > 0
    assert not failures, f"{len(failures)} non-conforming answers:\n" + "\n\n".join(
        dict.fromkeys(failures)
    )


def _drive(operation: Any, base: str, token: dict[str, str], failures: list[str]) -> int:
    """Send the operation's generated examples; every non-conforming answer to ``failures``."""
    fixed = {"municipality": MUNICIPALITY} if "{municipality}" in operation.path else None
    calls = 0

    @given(case=operation.as_strategy(path_parameters=fixed))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def drive(case: Any) -> None:
        nonlocal calls
        calls += 1
        try:
            case.call_and_validate(base_url=base, headers=token, checks=CHECKS, timeout=30)
        except Exception as error:  # schemathesis's FailureGroup, a connection error, ...
            failures.append(_failure(case, error))
        if case.method.upper() in COMMANDS:
            calls += 1
            _without_key(case, base, token, failures)

    drive()
    return calls


def _without_key(case: Any, base: str, token: dict[str, str], failures: list[str]) -> None:
    """The description says the key is required; the server must refuse a command without it."""
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "idempotency-key"}
    bare = case.operation.Case(
        path_parameters=case.path_parameters,
        headers=headers,
        query=case.query,
        body=case.body,
        media_type=case.media_type,
    )
    response = bare.call(base_url=base, headers=token, timeout=30)
    # 400 for a command the server would take; a body or path it refuses first (422, 404)
    # is no evidence either way, but nothing may be carried out without the key.
    if response.status_code not in (400, 403, 404, 422):
        failures.append(f"{case.operation.label} without Idempotency-Key: {response.status_code}")
