"""Whether the database answers, as last seen, with one log line per change (issue #19).

Requests that fail because PostgreSQL is gone mark it down (and answer 503); a probe of
the runtime marks it up again. Only changes are logged (``database.down`` with the
error, ``database.up`` with how long it was down), so an outage of minutes writes two
lines per service instead of a traceback per request or poll.
"""

from __future__ import annotations

import time

from shared.logging import get_logger

log = get_logger(__name__)


class Availability:
    def __init__(self, name: str) -> None:
        self.name = name
        self.up = True
        self._since = time.monotonic()

    def mark_down(self, error: BaseException) -> None:
        if self.up:
            self.up = False
            self._since = time.monotonic()
            log.warning(f"{self.name}.down", error=repr(error))

    def mark_up(self) -> None:
        if not self.up:
            self.up = True
            down_for = time.monotonic() - self._since
            self._since = time.monotonic()
            log.info(f"{self.name}.up", down_seconds=round(down_for, 1))
