"""``application/problem+json`` errors (RFC 9457) that name each bad field (architecture.md §5)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from shared.errors import DomainError, FieldError
from shared.municipalities import UnknownMunicipality
from shared.store.eventstore import ConcurrencyError

PROBLEM = "application/problem+json"


class Problem(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        type_: str = "about:blank",
        errors: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.errors = errors
        self.extra = extra

    def body(self, instance: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
            "instance": instance,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(
        problem.body(request.url.path), status_code=problem.status, media_type=PROBLEM
    )


def field_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"field": "applicant.personal_code", "message": …}``."""
    out = []
    for error in errors:
        location = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        out.append(
            {
                "field": ".".join(location) or "(body)",
                "message": error.get("msg", "invalid"),
                "type": error.get("type", "invalid"),
            }
        )
    return out


def error_entries(errors: list[FieldError]) -> list[dict[str, Any]]:
    """Domain field errors in the shape of :func:`field_errors` (plus the rules' ``code``)."""
    return [
        {"field": e.field, "message": e.message, "type": (e.code or "invalid").lower()}
        | ({"code": e.code} if e.code else {})
        for e in errors
    ]


def problem_of(error: DomainError) -> Problem:
    """The one mapping of a domain refusal to a problem document (shared/errors.py): the
    status and title its kind declares, every bad field named, and its extra fields."""
    if error.fields:
        fields = ", ".join(e.field for e in error.fields)
        detail = f"These fields are not valid: {fields}"
        return Problem(
            error.status,
            error.title,
            detail,
            errors=error_entries(error.fields),
            **error.problem_fields(),
        )
    return Problem(error.status, error.title, str(error), **error.problem_fields())


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _refused(request: Request, exc: DomainError) -> JSONResponse:
        # Raised inside a command's transaction, it has rolled everything back by now.
        return problem_response(problem_of(exc), request)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors(exc.errors())
        fields = ", ".join(e["field"] for e in errors)
        problem = Problem(
            422, "Invalid request", f"These fields are not valid: {fields}", errors=errors
        )
        return problem_response(problem, request)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        # The framework's own errors (no such path: 404, wrong method: 405) are problem
        # documents too, so a client parses every error one way.
        title = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if isinstance(exc.detail, str) else title
        response = problem_response(Problem(exc.status_code, title, detail), request)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(ConcurrencyError)
    async def _conflict(request: Request, exc: ConcurrencyError) -> JSONResponse:
        problem = Problem(409, "Concurrent change", f"{exc}; reload and try again")
        return problem_response(problem, request)

    @app.exception_handler(UnknownMunicipality)
    async def _unknown(request: Request, exc: UnknownMunicipality) -> JSONResponse:
        return problem_response(Problem(404, "Unknown municipality", str(exc)), request)
