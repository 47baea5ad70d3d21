"""The OpenAPI description as the servers behave (issue #18), made once for every service.

FastAPI describes what it sees in a route's signature: the body, the parameters, the model
of the success answer. What the shared HTTP layer adds at run time it cannot see, so this
module writes it into the description of every operation, including routes added later:

- the bearer scheme: an operation whose dependencies read the token (``auth.bearer``) has
  ``security``; the few public ones (health, readiness, metrics, the docs) say ``[]``;
- the ``Idempotency-Key`` header is *required* on every command (architecture.md §5: every
  command over HTTP is idempotent; every POST, PUT, PATCH and DELETE here is a command
  and answers 400 without the key: ``idempotency.checked_key``);
- every error status the operation can answer, each as ``application/problem+json`` with
  the one :class:`ProblemDetails` schema: what a dependency can raise (``raises``), what
  every command can answer, the 422 of request validation (problem+json, not FastAPI's
  ``HTTPValidationError``), the 503 of a database or key-store outage (``outage.py``).
  What only a handler knows (e.g. a 409 of an unconfigured municipality) the route
  declares with ``responses=``; its content is filled in here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from shared.events.personal import ERASED
from shared.http.problems import PROBLEM

F = TypeVar("F", bound=Callable[..., Any])

COMMAND_METHODS = frozenset({"post", "put", "patch", "delete"})
IDEMPOTENCY_HEADER = "Idempotency-Key"
SCHEME = "bearer"
PUBLIC_TAG = "service"

# What each error status means here; an operation lists the ones it can answer.
STATUS_TEXT = {
    400: "The request cannot be taken as it is: a command without an Idempotency-Key, "
    "or a refusal of the domain",
    401: "No bearer token, or an unknown one",
    403: "The token's role or municipality may not do this",
    404: "Not found: an unknown municipality, or no such resource in it",
    409: "Not allowed now: the state changed, a concurrent retry, or a refusal of the rules",
    422: "A field, parameter or body is not valid; `errors` names each one",
    500: "The server found its own stored data damaged",
    503: "The database or the key store cannot be reached right now; nothing was recorded. "
    "Retry after `Retry-After` seconds with the same Idempotency-Key",
}
COMMAND_STATUSES = (400, 409, 422)  # idempotency.py: missing key, concurrent retry, reused key
EVERY_STATUS = (503,)  # outage.py: any operation may meet a database or key-store outage


class FieldError(BaseModel):
    """One bad field: where it is and what is wrong with it."""

    model_config = ConfigDict(extra="allow")
    field: str = Field(description="e.g. applicant.personal_code, Idempotency-Key, (body)")
    message: str
    type: str | None = Field(default=None, description="A machine-readable kind of error")
    code: str | None = Field(default=None, description="A reason code of the rules, if any")


class ProblemDetails(BaseModel):
    """An error as RFC 9457 problem details (architecture.md §5)."""

    model_config = ConfigDict(extra="allow", title="Problem")
    type: str = Field(description="A URI of the kind of problem; about:blank if none")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str = Field(description="The path of the request")
    errors: list[FieldError] | None = Field(
        default=None, description="Each bad field, for 400 and 422"
    )


def raises(*statuses: int) -> Callable[[F], F]:
    """Mark a FastAPI dependency with the error statuses it can answer (problem+json)."""

    def mark(function: F) -> F:
        known: tuple[int, ...] = getattr(function, "__problems__", ())
        function.__problems__ = tuple(sorted({*known, *statuses}))  # type: ignore[attr-defined]
        return function

    return mark


def for_roles(function: F, roles: Iterable[str]) -> F:
    """Mark an access dependency with the roles it admits: OpenAPI 3.1 lets a bearer
    requirement list role names (``security: [{bearer: [caseworker]}]``)."""
    function.__roles__ = tuple(str(role) for role in roles)  # type: ignore[attr-defined]
    return function


def _walk(dependant: Dependant) -> Iterable[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def api_routes(app: FastAPI) -> list[Any]:
    """Every API route of the app as it is served, with the dependencies of the routers it
    was included through (FastAPI includes routers lazily: ``app.routes`` alone is not it)."""
    return [
        each
        for each in routing.iter_route_contexts(app.routes)
        if isinstance(each.original_route, APIRoute) and each.include_in_schema
    ]


def dependency_statuses(route: Any) -> set[int]:
    """Every status the route's dependencies declare with :func:`raises`."""
    found: set[int] = set()
    for each in _walk(route.dependant):
        found.update(getattr(each.call, "__problems__", ()))
    return found


def dependency_roles(route: Any) -> list[str]:
    """The roles the route's access dependency admits (empty: any role, or public)."""
    found: list[str] = []
    for each in _walk(route.dependant):
        found.extend(r for r in getattr(each.call, "__roles__", ()) if r not in found)
    return found


def _problem_content() -> dict[str, Any]:
    return {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _path_ids(path: str) -> bool:
    """A path with a parameter other than the municipality names something that may be
    missing (a case, an assistant, a run): 404."""
    names = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
    return any(name != "municipality" for name in names)


def _statuses(route: Any, method: str, operation: dict[str, Any]) -> set[int]:
    statuses = dependency_statuses(route) | set(EVERY_STATUS)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(422)
    if method in COMMAND_METHODS:
        statuses.update(COMMAND_STATUSES)
    if _path_ids(route.path_format):
        statuses.add(404)
    if operation.get("security") == []:
        statuses.discard(503)  # public: no database behind it
    return statuses


def _require_idempotency_key(operation: dict[str, Any]) -> None:
    parameters = [
        p
        for p in operation.get("parameters", [])
        if not (p.get("in") == "header" and p.get("name") == IDEMPOTENCY_HEADER)
    ]
    parameters.append(
        {
            "name": IDEMPOTENCY_HEADER,
            "in": "header",
            "required": True,
            "description": "Unique per command; a retry with the same key and body gets the "
            "first answer (header Idempotent-Replayed: true); the same key with another "
            "body is a 422; without it the answer is 400",
            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
        }
    )
    operation["parameters"] = parameters


def _document_command_answers(operation: dict[str, Any]) -> None:
    """What every answer of a command carries (shared/http/commands.py, idempotency.py)."""
    for code, response in operation.get("responses", {}).items():
        if not code.startswith("2"):
            continue
        headers = response.setdefault("headers", {})
        headers["X-Correlation-Id"] = {
            "description": "The caller's X-Correlation-Id (its first 200 characters), or one "
            "made for this command; its events carry the same value as `correlationid`",
            "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
        }
        headers["Idempotent-Replayed"] = {
            "description": "Present when this is the stored answer to an earlier request "
            "with the same Idempotency-Key and body: nothing was done again",
            "required": False,
            "schema": {"type": "string", "enum": ["true"]},
        }


def _document_errors(operation: dict[str, Any], statuses: set[int]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in statuses:
        responses.setdefault(str(status), {})
    for code, response in responses.items():
        if code[0] not in "45":
            continue
        content = response.get("content") or {}
        unsaid = not content or content.get(PROBLEM) == {} or _is_fastapi_validation(content)
        if unsaid:
            response["content"] = _problem_content()
            if code == "503":  # outage.py: always with the wait before a retry
                response.setdefault("headers", {})["Retry-After"] = {
                    "description": "Seconds to wait before sending the same request again",
                    "schema": {"type": "integer", "minimum": 0},
                }
        description = response.get("description", "")
        if not description or description == "Validation Error":
            response["description"] = STATUS_TEXT.get(int(code), "An error")


def _is_fastapi_validation(content: dict[str, Any]) -> bool:
    schema = content.get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def _drop_unused_validation_schemas(spec: dict[str, Any]) -> None:
    schemas = spec.get("components", {}).get("schemas", {})
    text = str(spec.get("paths", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        if name in schemas and f"/{name}'" not in text:
            del schemas[name]


def _clear_personal(node: Any) -> Any:
    """An answer carries personal data in clear (or "erased"), not as the bus's ciphertext.

    Event contracts used as answer models describe the wire form of a personal field
    (``x-encrypted``, shared/events/personal.py); the API decrypts before it answers, so
    the description says the clear type, still marked ``x-personal-data``.
    """
    if isinstance(node, list):
        return [_clear_personal(each) for each in node]
    if not isinstance(node, dict):
        return node
    if "x-encrypted" in node:
        clear = dict(node["x-encrypted"]["clear-type"])
        kept = {k: node[k] for k in ("title", "default", "description") if k in node}
        return {
            "anyOf": [clear, {"const": ERASED, "description": "Erased (GDPR art. 17)"}],
            "x-personal-data": node.get("x-personal-data"),
            **kept,
        }
    return {key: _clear_personal(value) for key, value in node.items()}


def describe(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI description with the shared layer's behaviour written in."""
    spec = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = ProblemDetails.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    for name, schema in (
        ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
        .get("$defs", {})
        .items()
    ):
        components["schemas"].setdefault(name, schema)
    components["schemas"]["Problem"].pop("$defs", None)
    for route in api_routes(app):
        path = spec["paths"].get(route.path_format, {})
        for method in (m.lower() for m in route.methods):
            operation = path.get(method)
            if operation is None:
                continue
            if method in COMMAND_METHODS:
                _require_idempotency_key(operation)
                _document_command_answers(operation)
            if any(SCHEME in each for each in operation.get("security", [])):
                operation["security"] = [{SCHEME: dependency_roles(route)}]
            else:
                operation["security"] = []  # says "public" instead of leaving it unsaid
            _document_errors(operation, _statuses(route, method, operation))
            operation["responses"] = dict(sorted(operation["responses"].items()))
    _drop_unused_validation_schemas(spec)
    components["schemas"] = _clear_personal(components["schemas"])
    return spec


def install_contract(app: FastAPI) -> None:
    """Serve :func:`describe` as ``/openapi.json`` (computed once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
