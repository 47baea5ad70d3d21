"""Each running service answers as its own ``/openapi.json`` says (issue #18).

The five services run for real (uvicorn on a free port, the harness's NATS and PostgreSQL)
and schemathesis drives every operation of each from the description the service serves:
bounded, derandomized examples with a valid bearer token of a role the operation admits.
Every answer must be declared (status code), of the declared content type, match the
declared schema, and no answer may be a 5xx. A command sent again without its
``Idempotency-Key`` must not be carried out, as the description says the key is required.

Random ids only ever meet 404, so the deployment is first given one real case over HTTP
(an application, its grant, an assistant assigned, a payment run), and every operation is
driven a second time with those ids in its path: the typed answers of success are checked
too, and commands with generated bodies act on a real case.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import nats
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from deploy.demo import CLIENTS, PERIOD_START, application_body, assessment_facts, personal_code
from shared.bus.nats_auth import nats_auth
from shared.bus.provisioning import ensure_service_stream
from shared.settings import Settings
from tests.conftest import Servers, free_port, harness_settings

pytestmark = pytest.mark.integration

SERVICES = ("intake", "decisions", "timesheets", "payments", "reporting")
# A token of daugavpils per role (tests/conftest.py's, and a client's added here). Each
# operation is driven with a role its description lists (``security: [{bearer: [roles]}]``),
# the caseworker first where several may: the others are bound to a person and see less.
JANIS = CLIENTS[0]  # the demo's first client (read only), applying in daugavpils
SERIAL = 901
CLIENT_CODE = personal_code(JANIS.birth_date, SERIAL)
ASSISTANT_CODE = personal_code(date(1980, 6, 6), SERIAL)
PERSONS = {  # tokens of the seeded people, bound to them by personal code
    "contract-assistant": f"assistant:daugavpils:person={ASSISTANT_CODE}",
    "contract-client": f"client:daugavpils:person={CLIENT_CODE}",
}
TOKENS = {
    "caseworker": "dgp-caseworker",
    "finance": "dgp-finance",
    "ministry": "ministry",
    "assistant": "contract-assistant",
    "client": "contract-client",
}
MUNICIPALITY = "daugavpils"  # the tokens' municipality: random slugs would only meet 403
EXAMPLES = 8  # per operation and path: ~100 operations keep the test near a minute on 2 cores
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,  # e.g. every command's answer names its X-Correlation-Id
]
COMMANDS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC = frozenset({"/health", "/ready", "/metrics"})
SUCCESS = (" 200", " 201", " 202")
# Operations of each service that must have answered with success at least once.
MIN_SUCCEEDING = {"intake": 4, "decisions": 8, "timesheets": 4, "payments": 4, "reporting": 6}


@dataclass
class Running:
    urls: dict[str, str] = field(default_factory=dict)
    # Path parameters naming the seeded case, assistant, assignment, run: name -> value.
    ids: dict[str, str] = field(default_factory=dict)


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
    persons = ",".join(f"{token}={grant}" for token, grant in PERSONS.items())
    config = config.model_copy(update={"tokens": f"{config.tokens},{persons}"})
    servers = [_Server(service, config) for service in SERVICES]
    try:
        for server in servers:
            server.start()
            server.wait_started()
        urls = {s.service: f"http://127.0.0.1:{s.port}" for s in servers}
        yield Running(urls, _seed(urls))
    finally:
        for server in servers:
            server.server.should_exit = True
        for server in servers:
            server.join(timeout=15)


def _seed(urls: dict[str, str]) -> dict[str, str]:
    """One real case through every service over HTTP; the ids of what it made."""
    dgp = "/municipalities/daugavpils"

    def send(
        service: str, role: str, method: str, path: str, body: dict[str, Any]
    ) -> httpx.Response:
        return httpx.request(
            method,
            urls[service] + dgp + path,
            json=body,
            headers={
                "Authorization": f"Bearer {TOKENS[role]}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
            timeout=30,
        )

    def post(
        service: str, role: str, path: str, body: dict[str, Any], method: str = "POST"
    ) -> dict[str, Any]:
        response = send(service, role, method, path, body)
        assert response.status_code in (200, 201), f"{path}: {response.text}"
        answer: dict[str, Any] = response.json()
        return answer

    def wait_for(service: str, role: str, path: str) -> None:
        headers = {"Authorization": f"Bearer {TOKENS[role]}"}
        deadline = time.monotonic() + 30
        while httpx.get(urls[service] + dgp + path, headers=headers).status_code != 200:
            assert time.monotonic() < deadline, f"{service} never knew {path}"
            time.sleep(0.1)

    application = post("intake", "caseworker", "/applications", application_body(JANIS, SERIAL))
    case_id = application["application_id"]
    wait_for("decisions", "caseworker", f"/cases/{case_id}")
    post("decisions", "caseworker", f"/cases/{case_id}/assessment", assessment_facts(JANIS))
    post(
        "decisions", "caseworker", f"/cases/{case_id}/decision", {"period_start": f"{PERIOD_START}"}
    )
    assistant = post(
        "decisions",
        "caseworker",
        "/assistants",
        {
            "personal_code": ASSISTANT_CODE,
            "first_name": "Pēteris",
            "last_name": "Ozols",
            "iban": "LV80BANK0000435195001",
            "tax_status": "employee",
            "experience": "years as a carer in a day centre",
        },
    )
    assistant_id = assistant["assistant_id"]
    assignment = post(
        "decisions",
        "caseworker",
        f"/assistants/{assistant_id}/assignments",
        {"case_id": case_id, "assigned_from": f"{PERIOD_START}"},
    )
    month = f"{PERIOD_START:%Y-%m}"
    report = f"/assignments/{assignment['assignment_id']}/timesheets/{month}"
    wait_for("timesheets", "caseworker", report)
    days = [f"{month}-{day:02d}" for day in (3, 4, 5)]
    entries = [{"day": d, "start": "08:00", "end": "12:00", "activity": "work"} for d in days]
    post("timesheets", "assistant", report, {"entries": entries}, method="PUT")
    post("timesheets", "assistant", f"{report}/submit", {})
    post("timesheets", "client", f"{report}/attest", {"by": "client"})
    post("timesheets", "caseworker", f"{report}/approve", {})
    deadline = time.monotonic() + 30  # until payments has applied the approved hours
    while (
        opened := send("payments", "finance", "POST", "/payment-runs", {"month": month})
    ).status_code == 409:
        assert time.monotonic() < deadline, opened.text
        time.sleep(0.2)
    assert opened.status_code == 201, opened.text
    run = opened.json()
    return {
        "application_id": case_id,
        "case_id": case_id,
        "assistant_id": assistant_id,
        "assignment_id": assignment["assignment_id"],
        "run_id": run["run_id"],
        "month": month,
        "number": "1",
    }


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
    answered: Counter[str] = Counter()
    calls = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the description is not valid OpenAPI: {result}"
        operation = result.ok()
        token = _token_for(operation.definition.raw.get("security", []))
        assert token or operation.path in PUBLIC, f"{operation.label} has no security"
        seeded = {k: v for k, v in running.ids.items() if "{" + k + "}" in operation.path}
        # Random ids meet 404 whatever else is sent: a few examples show it is declared.
        calls += _drive(operation, base, token, failures, {}, 2 if seeded else EXAMPLES, answered)
        if seeded:
            calls += _drive(operation, base, token, failures, seeded, EXAMPLES, answered)

    print(f"\n{service}: {calls} calls; answers per operation and status:")
    for label, count in sorted(answered.items()):
        print(f"  {count:4d}  {label}")
    succeeded = {label.rsplit(" ", 1)[0] for label in answered if label.endswith(SUCCESS)}
    # Not only refusals: the seeded case makes real answers whose schemas are checked too.
    assert len(succeeded) >= MIN_SUCCEEDING[service], sorted(succeeded)
    assert not failures, f"{len(failures)} non-conforming answers:\n" + "\n\n".join(
        dict.fromkeys(failures)
    )


def _drive(
    operation: Any,
    base: str,
    token: dict[str, str],
    failures: list[str],
    ids: dict[str, str],
    examples: int,
    answered: Counter[str],
) -> int:
    """Send the operation's generated examples (with ``ids`` in the path where given);
    every non-conforming answer goes to ``failures``."""
    fixed = {"municipality": MUNICIPALITY} if "{municipality}" in operation.path else {}
    fixed |= ids
    calls = 0

    @given(case=operation.as_strategy(path_parameters=fixed or None))
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def drive(case: Any) -> None:
        nonlocal calls
        calls += 1
        try:
            response = case.call(base_url=base, headers=token, timeout=30)
            answered[f"{case.operation.label} {response.status_code}"] += 1
            case.validate_response(response, checks=CHECKS, headers=token)
        except (Exception, BaseExceptionGroup) as error:  # FailureGroup, a connection error
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
