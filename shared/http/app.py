"""The FastAPI app of a service: lifespan around the runtime, health, readiness, metrics."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from types import FrameType

import structlog
import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.auth import parse_tokens
from shared.http.contract import PUBLIC_TAG, install_contract
from shared.http.outage import install_outage_handlers
from shared.http.problems import install_problem_handlers
from shared.http.text import install_text_guard
from shared.logging import configure_logging, get_logger
from shared.runtime import STOP_SECONDS, ServiceDefinition, ServiceRuntime
from shared.settings import Settings

log = get_logger(__name__)
REQUESTS = Counter("asist_http_requests_total", "HTTP requests", ["service", "method", "status"])
# Swagger UI and ReDoc come from the fastapi-offline package, served under STATIC_DOCS by
# the service itself: /docs works on a municipal network without internet (issue #18).
STATIC_DOCS = "/static-offline-docs"
SWAGGER_UI = {
    "persistAuthorization": True,  # the token survives a reload of /docs
    "validatorUrl": None,  # Swagger UI would otherwise ask an outside validator
}


class HealthOut(BaseModel):
    status: str = Field(description="ok while the process answers")
    service: str


class ReadyOut(BaseModel):
    service: str
    checks: dict[str, bool] = Field(description="Database, bus, ...: true when reachable")
    tasks: dict[str, str] = Field(description="Each background task: running, or why not")
    fatal: str | None = Field(default=None, description="Why the process is about to end")


def create_app(
    definition: ServiceDefinition,
    routers: Sequence[APIRouter] = (),
    settings: Settings | None = None,
) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(definition, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await runtime.start()
        except BaseException:
            # A start that failed or was cancelled (SIGTERM) releases what it opened.
            await runtime.stop()
            raise
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPIOffline(
        title=f"Asistents {definition.name}",
        description=f"The {definition.name} service. Send a token as Authorization: Bearer "
        "<token> (Authorize); errors are application/problem+json (RFC 9457); commands "
        "need an Idempotency-Key.",
        lifespan=lifespan,
        static_url=STATIC_DOCS,
        swagger_ui_parameters=SWAGGER_UI,
    )
    install_contract(app)
    app.state.runtime = runtime
    app.state.tokens = parse_tokens(settings.tokens)
    install_problem_handlers(app)
    install_outage_handlers(app, runtime.database_state.mark_down)
    install_text_guard(app)

    app.add_middleware(_Observe, service=definition.name)

    @app.get("/health", tags=[PUBLIC_TAG], response_model=HealthOut)
    async def health() -> dict[str, str]:
        """Liveness: the process answers. Public (no token)."""
        return {"status": "ok", "service": definition.name}

    @app.get(
        "/ready",
        tags=[PUBLIC_TAG],
        response_model=ReadyOut,
        responses={503: {"model": ReadyOut, "description": "Not ready; the body says why"}},
    )
    async def ready() -> JSONResponse:
        """Readiness: database, bus and every background task. Public (no token)."""
        # 503 also when a background task (relay, a consumer, a job) is not running or
        # not making progress; "tasks" names each one, for `./asist status` (issue #19).
        checks = await runtime.check_ready()
        tasks = await runtime.background_tasks()
        healthy = all(checks.values()) and all(state == "running" for state in tasks.values())
        body: dict[str, object] = {"service": definition.name, "checks": checks, "tasks": tasks}
        if runtime.fatal:
            body["fatal"] = runtime.fatal
        return JSONResponse(body, status_code=200 if healthy else 503)

    @app.get(
        "/metrics",
        tags=[PUBLIC_TAG],
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        """Prometheus metrics (text format). Public (no token)."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app


class _Observe:
    """Every log line of a request names its municipality and correlation id (§7), and
    every answer is counted in ``asist_http_requests_total``.

    A plain ASGI middleware: Starlette's ``@app.middleware("http")`` (BaseHTTPMiddleware)
    runs each request in a task of its own with memory streams between (issue #14: intake's
    CPU per command 5.98–6.43 ms with it, 5.02–5.04 ms with this, in alternating runs).
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        parts = scope["path"].split("/")
        municipality = parts[2] if len(parts) > 2 and parts[1] == "municipalities" else None
        correlation_id = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"x-correlation-id"), None
        )
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            service=self.service, municipality=municipality, correlation_id=correlation_id
        )
        status: int | None = None

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, observed)
        if status is not None:
            REQUESTS.labels(self.service, scope["method"], status).inc()


async def runtime_of(request: Request) -> ServiceRuntime:
    """FastAPI dependency: the service's runtime (pool, event store, settings).

    ``async`` on purpose: FastAPI runs a plain ``def`` dependency in a worker thread, a
    thread hop per request for an attribute read (issue #14)."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def serve(app: FastAPI) -> None:
    """Run one service as its own process (``python -m services.<name>``).

    SIGTERM stops it within 5 s in every state (issue #19): uvicorn closes its sockets and
    waits at most 1 s for open requests, ``ServiceRuntime.stop`` bounds each of its steps,
    and should anything still hang (a start waiting for a server that is gone), a watchdog
    thread ends the process at the deadline. Nothing is lost by that: what was committed is
    in PostgreSQL, and unacknowledged messages are redelivered.
    """
    runtime: ServiceRuntime = app.state.runtime
    settings = runtime.settings
    configure_logging(runtime.name, fmt=settings.log_format, level=settings.log_level)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.port_for(runtime.name),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = _DeadlineServer(config)
    server.runtime = runtime
    # A NATS connection closed for good (never by an outage: reconnects never give up):
    # end the process, so that whoever supervises it starts a fresh one.
    runtime.on_fatal = lambda reason: server.handle_exit(signal.SIGTERM, None)
    server.run()
    if runtime.fatal:
        sys.exit(3)


class _DeadlineServer(uvicorn.Server):
    runtime: ServiceRuntime | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if not self.started and self.runtime is not None:
            # uvicorn only notices the signal once the start is over; a start that waits
            # for a server that is not there would never end.
            self.runtime.abort_start()
        if not getattr(self, "_deadline_armed", False):
            self._deadline_armed = True
            deadline = threading.Timer(STOP_SECONDS + 0.8, _exit_now)
            deadline.daemon = True
            deadline.start()


def _exit_now() -> None:
    log.error("service.stop_deadline", seconds=STOP_SECONDS + 0.8)
    os._exit(4)
