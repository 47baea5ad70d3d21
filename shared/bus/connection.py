"""The one place where NATS connection options are chosen (issue #19).

Both the plain client (``nats.connect``, for publishing and provisioning) and FastStream's
``NatsBroker`` (the subscribers) take their options from :func:`nats_options`, so a change
such as credentials applies to every connection of a service at once.

Why these values:
- ``max_reconnect_attempts=-1``: nats-py's default gives up after 60 attempts x 2 s, and a
  closed connection makes FastStream's pull loop spin at a full core (upstream faststream
  issues 1538, 1581, 2632). A service must outlive any NATS outage, so it never gives up.
- ``reconnect_time_wait``: how long to wait between attempts; short, because a refused
  connection costs nothing and a short wait means a short outage after NATS is back.
- ``ping_interval`` / ``max_outstanding_pings``: a half-open connection (a server killed
  without a FIN reaching us) is noticed within about ``ping_interval x 3`` seconds,
  not after nats-py's default 6 minutes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import nats
from nats.aio.client import Client as NatsClient

from shared.bus.nats_auth import nats_auth
from shared.logging import get_logger
from shared.settings import Settings

log = get_logger(__name__)

Callback = Callable[[], Awaitable[None]]


def nats_options(settings: Settings, name: str) -> dict[str, Any]:
    """Keyword arguments for ``nats.connect`` and ``NatsBroker`` (both take the same names)."""
    return {
        "servers": [url.strip() for url in settings.nats_url.split(",") if url.strip()],
        "name": name,
        "max_reconnect_attempts": settings.nats_max_reconnect_attempts,
        "reconnect_time_wait": settings.nats_reconnect_wait_seconds,
        "connect_timeout": 2,
        "ping_interval": 10,
        "max_outstanding_pings": 2,
    }


def connection_callbacks(name: str, *, on_closed: Callback | None = None) -> dict[str, Any]:
    """Callbacks that log one line per change of the connection's state (down, up, closed).

    nats-py calls ``error_cb`` for every failed (re)connect attempt; only the first error
    of each kind is logged until the connection is up again, so a long outage writes a few
    lines, not one per attempt, and a refused credential still shows up at once.
    """
    logged: set[str] = set()

    async def disconnected() -> None:
        log.warning("nats.disconnected", connection=name)

    async def reconnected() -> None:
        logged.clear()
        log.info("nats.reconnected", connection=name)

    async def closed() -> None:
        log.info("nats.closed", connection=name)
        if on_closed is not None:
            await on_closed()

    async def error(problem: Exception) -> None:
        kind = type(problem).__name__
        if kind not in logged:
            logged.add(kind)
            log.warning("nats.error", connection=name, error=repr(problem))

    return {
        "disconnected_cb": disconnected,
        "reconnected_cb": reconnected,
        "closed_cb": closed,
        "error_cb": error,
    }


async def connect(
    settings: Settings, name: str, *, on_closed: Callback | None = None
) -> NatsClient:
    """A nats-py client with the project's options (see the module's docstring)."""
    return await nats.connect(
        **nats_options(settings, name),
        **nats_auth(settings),
        **connection_callbacks(name, on_closed=on_closed),
    )
