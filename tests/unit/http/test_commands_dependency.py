"""The one command dependency (shared/http/commands.py) and the one mapping of domain errors
to problem+json (shared/http/problems.py), on a small app without a database (issue #8)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from shared.errors import (
    Conflict,
    DomainError,
    FieldError,
    InvalidCommand,
    NotAllowed,
    NotFound,
    invalid,
)
from shared.http.auth import Role, parse_tokens
from shared.http.commands import CommandContext, command_context
from shared.http.problems import PROBLEM, install_problem_handlers, problem_of

Command = Annotated[CommandContext, Depends(command_context(Role.CASEWORKER))]
TOKENS = "dgp=caseworker:daugavpils,lud=caseworker:ludza,fin=finance:daugavpils"


class StepMissing(Conflict):
    title = "A required step is missing"

    def problem_fields(self) -> dict[str, Any]:
        return {"missing_step": "hearing"}


def probe_app() -> FastAPI:
    app = FastAPI()
    app.state.tokens = parse_tokens(TOKENS)
    app.state.runtime = object()  # the dependency only hands it on
    install_problem_handlers(app)

    @app.post("/municipalities/{municipality}/things")
    async def act(ctx: Command) -> dict[str, str]:
        return {
            "municipality": ctx.municipality,
            "actor": ctx.principal.actor,
            "key": ctx.idempotency_key,
            "correlation": ctx.correlation_id,
            "event_correlation": ctx.events.correlation_id,
        }

    @app.post("/municipalities/{municipality}/refusals/{kind}")
    async def refuse(ctx: Command, kind: str) -> None:
        raise {
            "invalid": invalid("applicant.personal_code", "not valid", "BAD_CODE"),
            "missing": StepMissing("hear the person first"),
        }[kind]

    return app


async def post(path: str, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=probe_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path, headers=headers)


def bearer(token: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **more}


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/municipalities/daugavpils/things", {"Idempotency-Key": "k"}, 401),
        # A slug that names no municipality is 404 whoever asks (issue #8: one answer).
        ("/municipalities/atlantis/things", bearer("dgp", **{"Idempotency-Key": "k"}), 404),
        # A known municipality the token may not act for, or a role that may not: 403.
        ("/municipalities/ludza/things", bearer("dgp", **{"Idempotency-Key": "k"}), 403),
        ("/municipalities/daugavpils/things", bearer("fin", **{"Idempotency-Key": "k"}), 403),
        ("/municipalities/daugavpils/things", bearer("dgp"), 400),
    ],
)
async def test_each_check_of_a_command_answers_with_its_problem(
    path: str, headers: dict[str, str], status: int
) -> None:
    response = await post(path, headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM


async def test_a_checked_command_gets_its_context() -> None:
    response = await post(
        "/municipalities/daugavpils/things",
        bearer("dgp", **{"Idempotency-Key": "k-1", "X-Correlation-Id": " corr-7 "}),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["municipality"] == "daugavpils" and body["key"] == "k-1"
    assert body["actor"].startswith("caseworker:daugavpils:")
    assert body["correlation"] == body["event_correlation"] == "corr-7"


async def test_a_correlation_id_is_made_when_none_is_sent_and_long_ones_are_cut() -> None:
    made = await post(
        "/municipalities/daugavpils/things", bearer("dgp", **{"Idempotency-Key": "k"})
    )
    assert len(made.json()["correlation"]) == 36  # a UUID
    long = await post(
        "/municipalities/daugavpils/things",
        bearer("dgp", **{"Idempotency-Key": "k", "X-Correlation-Id": "x" * 500}),
    )
    assert long.json()["correlation"] == "x" * 200


async def test_a_domain_error_raised_by_a_route_is_a_problem_document() -> None:
    headers = bearer("dgp", **{"Idempotency-Key": "k"})
    invalid_answer = await post("/municipalities/daugavpils/refusals/invalid", headers)
    assert invalid_answer.status_code == 422
    assert invalid_answer.headers["content-type"] == PROBLEM
    assert invalid_answer.json()["errors"] == [
        {
            "field": "applicant.personal_code",
            "message": "not valid",
            "type": "bad_code",
            "code": "BAD_CODE",
        }
    ]
    missing = await post("/municipalities/daugavpils/refusals/missing", headers)
    assert missing.status_code == 409
    body = missing.json()
    assert body["title"] == "A required step is missing" and body["missing_step"] == "hearing"
    assert body["detail"] == "hear the person first"


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (DomainError("no"), 400, "Refused"),
        (NotFound("no case 7"), 404, "Not found"),
        (Conflict("already withdrawn"), 409, "Not allowed now"),
        (NotAllowed("four eyes"), 403, "Forbidden"),
        (
            InvalidCommand([FieldError("a", "bad"), FieldError("b.c", "worse")]),
            422,
            "Invalid request",
        ),
    ],
)
def test_every_kind_of_domain_error_maps_to_its_status(
    error: DomainError, status: int, title: str
) -> None:
    problem = problem_of(error)
    assert (problem.status, problem.title) == (status, title)
    body = problem.body("/x")
    if isinstance(error, InvalidCommand):
        assert body["detail"] == "These fields are not valid: a, b.c"
        assert [e["field"] for e in body["errors"]] == ["a", "b.c"]
        assert error.errors == error.fields, "the old name of the field list still works"
    else:
        assert body["detail"] == str(error) and "errors" not in body
