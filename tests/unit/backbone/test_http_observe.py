"""The request middleware of every service (shared/http/app.py ``_Observe``): log context
and the request counter, as a plain ASGI middleware (issue #14)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import structlog
from fastapi import FastAPI

from shared.http.app import REQUESTS, _Observe


async def test_each_request_is_logged_with_its_municipality_and_counted() -> None:
    service = f"probe-{uuid.uuid4().hex[:6]}"
    app = FastAPI()
    seen: dict[str, Any] = {}

    @app.get("/municipalities/{municipality}/things")
    async def things(municipality: str) -> dict[str, str]:
        seen.update(structlog.contextvars.get_contextvars())
        return {"municipality": municipality}

    app.add_middleware(_Observe, service=service)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        ok = await client.get(
            "/municipalities/daugavpils/things", headers={"X-Correlation-Id": "corr-1"}
        )
        missing = await client.get("/nowhere")
    assert ok.status_code == 200 and missing.status_code == 404
    assert seen == {"service": service, "municipality": "daugavpils", "correlation_id": "corr-1"}
    assert REQUESTS.labels(service, "GET", 200)._value.get() == 1
    assert REQUESTS.labels(service, "GET", 404)._value.get() == 1
