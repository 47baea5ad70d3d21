"""Whether the database answers, as last seen, with one log line per change (issue #19).

Requests that fail because PostgreSQL is gone mark it down (and answer 503); a probe of
the runtime marks it up again. Only changes are logged (``database.down`` with the
error, ``database.up`` with how long it was down), so an outage of minutes writes two
lines per service instead of a traceback per request or poll.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg

from shared.logging import get_logger

log = get_logger(__name__)

# Errors that mean "the database cannot be reached right now", not "this is wrong".
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OSError,  # connection refused or reset while connecting (TimeoutError is one too)
    asyncpg.PostgresConnectionError,  # the connection died under the query
    asyncpg.InterfaceError,  # a pooled connection released because it died
    asyncpg.CannotConnectNowError,  # the server is starting up or recovering
    asyncpg.AdminShutdownError,  # terminating connection due to administrator command
    asyncpg.CrashShutdownError,  # another backend crashed; the server restarts
    # Seen in the fault suite when the server was killed under a query: the rollback of
    # the request's transaction found the dead connection's operation still pending.
    asyncpg.exceptions.InternalClientError,
)


def database_unavailable(error: BaseException) -> bool:
    return isinstance(error, DATABASE_UNAVAILABLE)


async def wait_until_reachable(pool: asyncpg.Pool, interval: float = 1.0) -> None:
    """Return once a connection of ``pool`` answers a query; probe every ``interval`` s."""
    while True:
        try:
            async with pool.acquire(timeout=2) as conn:
                await conn.fetchval("select 1", timeout=2)
            return
        except Exception as error:
            if not database_unavailable(error):
                raise
        await asyncio.sleep(interval)


class Availability:
    def __init__(self, name: str, service: str) -> None:
        self.name = name
        self.service = service
        self.up = True
        self._since = time.monotonic()

    def mark_down(self, error: BaseException) -> None:
        if self.up:
            self.up = False
            self._since = time.monotonic()
            log.warning(f"{self.name}.down", service=self.service, error=repr(error))

    def mark_up(self) -> None:
        if not self.up:
            self.up = True
            down_for = time.monotonic() - self._since
            self._since = time.monotonic()
            log.info(f"{self.name}.up", service=self.service, down_seconds=round(down_for, 1))
