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
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.auth import parse_tokens
from shared.http.outage import install_outage_handlers
from shared.http.problems import install_problem_handlers
from shared.logging import configure_logging, get_logger
from shared.runtime import STOP_SECONDS, ServiceDefinition, ServiceRuntime
from shared.settings import Settings

log = get_logger(__name__)
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

    app = FastAPI(title=f"Asistents {definition.name}", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.tokens = parse_tokens(settings.tokens)
    install_problem_handlers(app)
    install_outage_handlers(app, runtime.database_state.mark_down)

    app.add_middleware(_Observe, service=definition.name)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": definition.name}

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        # 503 also when a background task (relay, a consumer, a job) is not running or
        # not making progress; "tasks" names each one, for `./asist status` (issue #19).
        checks = await runtime.check_ready()
        tasks = await runtime.background_tasks()
        healthy = all(checks.values()) and all(state == "running" for state in tasks.values())
        body: dict[str, object] = {"service": definition.name, "checks": checks, "tasks": tasks}
        if runtime.fatal:
            body["fatal"] = runtime.fatal
        return JSONResponse(body, status_code=200 if healthy else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
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
