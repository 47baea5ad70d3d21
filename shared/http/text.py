"""Text that PostgreSQL and UTF-8 cannot hold is refused at the door with a 422 (issue #18).

JSON may carry ``\\u0000`` and lone surrogates (``\\ud800``): valid JSON, valid Python
strings, but no UTF-8 encoding exists for a lone surrogate and PostgreSQL's ``text`` and
``jsonb`` cannot store a NUL. Such a request used to get to the database (or to the
idempotency hash) and end in a 500; the contract test found it. Here it is answered, like
every invalid request, with a problem document naming each field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.problems import Problem, problem_response

TEXT_TYPES = ("application/json", "application/problem+json", "text/")


def _bad(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not Unicode text)"
    return None


def unsafe_fields(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """``(field, what is wrong)`` for every string (or key) in ``value`` that cannot be stored."""
    if isinstance(value, str):
        problem = _bad(value)
        if problem:
            yield where or "(body)", problem
    elif isinstance(value, dict):
        for key, item in value.items():
            field = f"{where}.{key}" if where else str(key)
            problem = _bad(str(key))
            if problem:
                yield field, f"the name {problem}"
            yield from unsafe_fields(item, field)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unsafe_fields(item, f"{where}.{index}" if where else str(index))


async def _request_fields(request: Request) -> list[tuple[str, str]]:
    found = [(f"(path) {request.url.path}", p) for p in [_bad(request.url.path)] if p]
    for name, value in request.query_params.multi_items():
        found += [(name, p) for p in [_bad(value)] if p]
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(TEXT_TYPES):
        return found
    body = await request.body()
    if b"\x00" in body:
        return [*found, ("(body)", "contains a NUL byte")]
    if "json" in content_type:
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            return found  # not JSON at all: FastAPI's validation names it
        found += list(unsafe_fields(parsed))
    return found


def install_text_guard(app: FastAPI) -> None:
    app.add_middleware(_TextGuard)


class _TextGuard:
    """A plain ASGI middleware, not Starlette's ``@app.middleware("http")``
    (BaseHTTPMiddleware), which runs every request in a task of its own with memory
    streams between it and the app (issue #14: measured in docs/backbone.md, "Third
    session"). The body this reads is handed on to the app unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        fields = await _request_fields(request)
        if fields:
            names = ", ".join(dict.fromkeys(field for field, _ in fields))
            problem = Problem(
                422,
                "Invalid request",
                f"These fields are not valid: {names}",
                errors=[
                    {"field": field, "message": message, "type": "string_unstorable"}
                    for field, message in fields
                ],
            )
            await problem_response(problem, request)(scope, receive, send)
            return
        body: bytes | None = getattr(request, "_body", None)  # set once body() was read
        if body is None:
            await self.app(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: the client's disconnect, as before

        await self.app(scope, replay, send)
