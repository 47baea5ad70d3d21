"""Each service's OpenAPI description says what the shared HTTP layer does (issue #18).

Built from the apps themselves (no servers needed): bearer security on every protected
operation, a required Idempotency-Key on every command, every error as problem+json with
the one Problem schema, a typed answer for every operation; and a route added later is
covered without any declaration of its own. Whether the running services really answer
so is tests/contract's part.
"""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from shared.http.app import create_app
from shared.http.auth import Principal, Role, require
from shared.http.idempotency import checked_key
from shared.runtime import ServiceDefinition
from shared.settings import Settings

SERVICES = ("intake", "decisions", "timesheets", "payments", "reporting")
PUBLIC = {"/health", "/ready", "/metrics"}
COMMANDS = {"post", "put", "patch", "delete"}
PROBLEM_REF = "#/components/schemas/Problem"
TOKENS = "cw=caseworker:daugavpils,fin=finance:daugavpils"


def _spec(service: str) -> dict[str, Any]:
    app: FastAPI = importlib.import_module(f"services.{service}.app").create(
        Settings(tokens=TOKENS)
    )
    return app.openapi()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


@pytest.fixture(scope="module", params=SERVICES)
def spec(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _spec(request.param)


def test_the_bearer_scheme_is_declared_and_every_protected_operation_requires_it(
    spec: dict[str, Any],
) -> None:
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"],
    }
    for path, method, operation in _operations(spec):
        if path in PUBLIC:
            assert operation["security"] == [], f"{method} {path} says it is public"
            continue
        (requirement,) = operation["security"]
        roles = requirement["bearer"]
        assert roles, f"{method} {path} names the roles its token must have"
        assert set(roles) <= {r.value for r in Role}


def test_every_command_requires_an_idempotency_key(spec: dict[str, Any]) -> None:
    commands = [(p, m, o) for p, m, o in _operations(spec) if m in COMMANDS]
    if not commands:
        pytest.skip("a read-only service")
    for path, method, operation in commands:
        keys = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert len(keys) == 1, f"{method} {path}"
        assert keys[0]["in"] == "header" and keys[0]["required"] is True
        assert {"400", "409", "422"} <= set(operation["responses"]), f"{method} {path}"


def test_every_error_is_problem_json_with_the_one_schema(spec: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        errors = {code: r for code, r in responses.items() if code[0] in "45"}
        if path == "/ready":
            assert set(errors) == {"503"}, "readiness answers its own JSON, not a problem"
            continue
        if path not in PUBLIC:
            assert {"401", "403", "503"} <= set(errors), f"{method} {path}"
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in errors, f"{method} {path}: request validation"
        for code, response in errors.items():
            content = response["content"]
            assert list(content) == ["application/problem+json"], f"{method} {path} {code}"
            assert content["application/problem+json"]["schema"] == {"$ref": PROBLEM_REF}
            assert response["description"] != "Validation Error"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [
            ref for value in node.values() for ref in _refs(value)
        ]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_the_description_refers_only_to_itself(spec: dict[str, Any]) -> None:
    # Swagger UI and ReDoc would fetch an outside $ref: offline, the page would break.
    refs = _refs(spec)
    assert refs and all(ref.startswith("#/components/") for ref in refs)
    schemas = spec["components"]["schemas"]
    assert all(ref.removeprefix("#/components/schemas/") in schemas for ref in refs)


def test_every_operation_has_a_typed_answer(spec: dict[str, Any]) -> None:
    for path, method, operation in _operations(spec):
        answers = {c: r for c, r in operation["responses"].items() if c.startswith("2")}
        assert answers, f"{method} {path}"
        for code, response in answers.items():
            for media, content in response["content"].items():
                schema = content.get("schema", {})
                assert schema not in ({}, None), f"{method} {path} {code} {media}: untyped"
                assert schema.get("additionalProperties") is not True or "$ref" not in schema


# ---- a route added later is covered by the shared layer alone -------------------------------


def _later_router() -> APIRouter:
    router = APIRouter(prefix="/municipalities/{municipality}")
    caseworker = Depends(require(Role.CASEWORKER))

    @router.post("/hearings/{hearing_id}/notes", status_code=201)
    async def add_note(
        municipality: str, hearing_id: str, request: Request, _: Principal = caseworker
    ) -> JSONResponse:
        checked_key(request.headers.get("Idempotency-Key"))
        return JSONResponse({"hearing_id": hearing_id}, status_code=201)

    return router


def _later_app() -> FastAPI:
    return create_app(
        ServiceDefinition(name="later"), [_later_router()], settings=Settings(tokens=TOKENS)
    )


def test_a_route_added_later_gets_security_key_and_errors_without_declaring_them() -> None:
    operation = _later_app().openapi()["paths"][
        "/municipalities/{municipality}/hearings/{hearing_id}/notes"
    ]["post"]
    assert operation["security"] == [{"bearer": ["caseworker"]}]
    key = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    assert key["required"] is True
    assert set(operation["responses"]) == {"201", "400", "401", "403", "404", "409", "422", "503"}


async def test_what_the_description_says_is_what_the_route_answers() -> None:
    app = _later_app()
    path = "/municipalities/daugavpils/hearings/h1/notes"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        no_token = await client.post(path, headers={"Idempotency-Key": "k"})
        wrong_role = await client.post(
            path, headers={"Authorization": "Bearer fin", "Idempotency-Key": "k"}
        )
        no_key = await client.post(path, headers={"Authorization": "Bearer cw"})
    for response, status in ((no_token, 401), (wrong_role, 403), (no_key, 400)):
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "status", "detail", "instance"} <= set(response.json())


async def test_request_validation_answers_problem_json_as_described() -> None:
    app = create_app(ServiceDefinition(name="later"), [_typed_router()], Settings(tokens=TOKENS))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(
            "/municipalities/daugavpils/counts",
            params={"limit": "many"},
            headers={"Authorization": "Bearer cw"},
        )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "limit"
    described = app.openapi()["paths"]["/municipalities/{municipality}/counts"]["get"]
    assert described["responses"]["422"]["content"]["application/problem+json"]


def _typed_router() -> APIRouter:
    router = APIRouter(prefix="/municipalities/{municipality}")

    @router.get("/counts")
    async def counts(
        municipality: str,
        limit: int = 10,
        _: Principal = Depends(require(Role.CASEWORKER)),  # noqa: B008
    ) -> dict[str, int]:
        return {"limit": limit}

    return router


async def test_text_that_cannot_be_stored_is_a_422_naming_the_field() -> None:
    # A NUL or a lone surrogate is valid JSON but no PostgreSQL text: it used to be a 500.
    app = _later_app()
    transport = httpx.ASGITransport(app=app)
    headers = {
        "Authorization": "Bearer cw",
        "Idempotency-Key": "k",
        "Content-Type": "application/json",
    }
    path = "/municipalities/daugavpils/hearings/h1/notes"
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        nul = await client.post(path, content=b'{"note": {"text": "a\\u0000b"}}', headers=headers)
        surrogate = await client.post(path, content=b'["ok", "\\udac1"]', headers=headers)
        fine = await client.post(path, content=b'{"note": "\\ud83d\\ude00 ok"}', headers=headers)
        query = await client.post(path + "?q=%00", headers=headers)
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "note.text"
    assert surrogate.status_code == 422 and surrogate.json()["errors"][0]["field"] == "1"
    assert surrogate.headers["content-type"] == "application/problem+json"
    assert query.status_code == 422 and query.json()["errors"][0]["field"] == "q"
    assert fine.status_code == 201, "a surrogate pair is an ordinary character (😀)"


def test_no_request_of_a_service_runs_through_starlettes_base_http_middleware() -> None:
    """BaseHTTPMiddleware runs each request in a task of its own with memory streams between
    it and the app: measurable CPU per command (issue #14, docs/backbone.md)."""
    from starlette.middleware.base import BaseHTTPMiddleware

    app = _later_app()
    assert [m for m in app.user_middleware if m.cls is BaseHTTPMiddleware] == []


async def test_the_frameworks_own_errors_are_problem_documents_too() -> None:
    transport = httpx.ASGITransport(app=_later_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        missing = await client.get("/no/such/path")
        wrong_method = await client.get("/municipalities/daugavpils/hearings/h1/notes")
    assert missing.status_code == 404 and missing.json()["title"] == "Not Found"
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    for response in (missing, wrong_method):
        assert response.headers["content-type"] == "application/problem+json"
