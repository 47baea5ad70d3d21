"""The FastAPI app of a service: lifespan around the runtime, health, readiness, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import structlog
import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest

from shared.http.auth import parse_tokens
from shared.http.problems import install_problem_handlers
from shared.logging import configure_logging
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import Settings

REQUESTS = Counter("asist_http_requests_total", "HTTP requests", ["service", "method", "status"])


def create_app(
    definition: ServiceDefinition,
    routers: Sequence[APIRouter] = (),
    settings: Settings | None = None,
) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(definition, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=f"Asistents {definition.name}", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.tokens = parse_tokens(settings.tokens)
    install_problem_handlers(app)

    @app.middleware("http")
    async def observe(request: Request, call_next):  # type: ignore[no-untyped-def]
        # Every log line of this request names its municipality and correlation id (§7).
        parts = request.url.path.split("/")
        municipality = parts[2] if len(parts) > 2 and parts[1] == "municipalities" else None
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            service=definition.name,
            municipality=municipality,
            correlation_id=request.headers.get("X-Correlation-Id"),
        )
        response = await call_next(request)
        REQUESTS.labels(definition.name, request.method, response.status_code).inc()
        return response

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": definition.name}

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        checks = await runtime.check_ready()
        status = 200 if all(checks.values()) else 503
        return JSONResponse({"service": definition.name, "checks": checks}, status_code=status)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app


def runtime_of(request: Request) -> ServiceRuntime:
    """FastAPI dependency: the service's runtime (pool, event store, settings)."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def serve(app: FastAPI) -> None:
    """Run one service as its own process (``python -m services.<name>``)."""
    runtime: ServiceRuntime = app.state.runtime
    settings = runtime.settings
    configure_logging(runtime.name, fmt=settings.log_format, level=settings.log_level)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.port_for(runtime.name),
        log_config=None,
        access_log=False,
    )
