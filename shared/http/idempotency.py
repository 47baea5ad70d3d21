"""Idempotent commands: a retried request with the same ``Idempotency-Key`` gets the first result.

The stored response commits in the same transaction as the command's events, so either
both exist or neither does; a key reused with a different body is refused with 422.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import asyncpg
from fastapi import Header, Request
from fastapi.responses import JSONResponse

from shared.http.contract import raises
from shared.http.problems import Problem
from shared.store.types import Connection

Command = Callable[[Connection], Awaitable[tuple[int, dict[str, Any]]]]
MAX_KEY_LENGTH = 200


def checked_key(key: str | None) -> str:
    """Every command needs a key (architecture.md §5); missing or too long is a 400
    (draft-ietf-httpapi-idempotency-key-header)."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Problem(
            400,
            "Idempotency-Key required",
            f"send an Idempotency-Key header (1–{MAX_KEY_LENGTH} characters), unique per command",
            errors=[{"field": "Idempotency-Key", "message": "missing or too long"}],
        )
    return key


@raises(400, 409, 422)
async def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str:
    """FastAPI dependency: the request's checked ``Idempotency-Key``."""
    return checked_key(key)


def request_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def run_command(
    pool: asyncpg.Pool,
    request: Request,
    scope: str,
    payload: Any,
    command: Command,
) -> JSONResponse:
    """Run ``command`` in one transaction, remembering its response under the request's key."""
    key = request.headers.get("Idempotency-Key")
    fingerprint = request_hash({"path": request.url.path, "body": payload})
    for _ in range(2):
        async with pool.acquire() as conn:
            try:
                async with conn.transaction():
                    if key:
                        stored = await conn.fetchrow(
                            "select request_hash, status_code, body::text as body"
                            " from idempotency_keys where scope = $1 and key = $2",
                            scope,
                            key,
                        )
                        if stored is not None:
                            return _replay(stored, fingerprint, key)
                    status, body = await command(conn)
                    if key:
                        await conn.execute(
                            "insert into idempotency_keys (scope, key, request_hash, status_code,"
                            " body) values ($1, $2, $3, $4, $5::jsonb)",
                            scope,
                            key,
                            fingerprint,
                            status,
                            json.dumps(body, default=str),
                        )
                return JSONResponse(body, status_code=status)
            except asyncpg.UniqueViolationError as error:
                if error.constraint_name != "idempotency_keys_pkey":
                    raise
                # The same key committed concurrently by another request: replay it.
                continue
    raise Problem(409, "Concurrent retry", f"Idempotency-Key {key!r} is being processed")


def _replay(stored: asyncpg.Record, fingerprint: str, key: str) -> JSONResponse:
    if stored["request_hash"] != fingerprint:
        raise Problem(
            422,
            "Idempotency-Key reused",
            f"Idempotency-Key {key!r} was used for a different request",
        )
    response = JSONResponse(json.loads(stored["body"]), status_code=stored["status_code"])
    response.headers["Idempotent-Replayed"] = "true"
    return response
