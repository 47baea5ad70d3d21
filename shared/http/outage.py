"""A database outage answers ``503`` problem+json with ``Retry-After`` (issue #19).

Before, a request during a PostgreSQL restart ended in Starlette's plain-text
``500 Internal Server Error`` and a pool traceback in the log. The errors below all mean
"the database cannot be reached right now", not "this request is wrong": the client should
send the same request again (with the same ``Idempotency-Key``, which makes that safe).
Nothing is half-written: a command's events, read models and stored response commit in one
transaction, so a command that failed here left nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.availability import DATABASE_UNAVAILABLE
from shared.http.problems import Problem, problem_response
from shared.privacy.keyring import KeyStoreUnavailable

# Seconds a client should wait: a restarted PostgreSQL answers within a few (measured in
# docs/backbone.md "Operations").
RETRY_AFTER_SECONDS = 5


def unavailable_problem() -> Problem:
    return Problem(
        503,
        "Service unavailable",
        "the database cannot be reached right now; nothing was recorded. Send the same "
        f"request again in {RETRY_AFTER_SECONDS} s (with the same Idempotency-Key)",
        type_="about:blank",
    )


def install_outage_handlers(app: FastAPI, on_outage: Callable[[Exception], None]) -> None:
    """Answer 503 for every error of :data:`DATABASE_UNAVAILABLE` and report it once."""

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        on_outage(exc)  # logs only when the state changes (shared/availability.py)
        response = problem_response(unavailable_problem(), request)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for error in DATABASE_UNAVAILABLE:
        app.add_exception_handler(error, unavailable)

    async def keys_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # Issue #9 meets #19: a new person's data key lives in NATS's key bucket, so while
        # NATS is down a command that needs one cannot be recorded (no clear text is ever
        # stored instead). Commands of people whose keys are cached still go through (202).
        problem = Problem(
            503,
            "Service unavailable",
            "the key store (NATS) cannot be reached, so personal data cannot be encrypted "
            f"right now; nothing was recorded. Send the same request again in "
            f"{RETRY_AFTER_SECONDS} s (with the same Idempotency-Key)",
            type_="about:blank",
        )
        response = problem_response(problem, request)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    app.add_exception_handler(KeyStoreUnavailable, keys_unavailable)
