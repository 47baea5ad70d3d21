"""Supervised background tasks: restarted with capped back-off, reported to ``/ready`` (issue #19).

Before, a background task (the outbox relay) that raised ended silently: nothing was
logged, ``/ready`` still said 200, and events stayed unpublished until a manual restart.
Here every task runs under a supervisor that

- logs the first failure of a streak once, with its cause and traceback, and the recovery
  once (``task.failed`` / ``task.recovered``), not a line per retry;
- restarts the task after a back-off that doubles up to ``max_backoff`` and starts again
  from the bottom once the task makes progress;
- knows whether each task is running and when it last made progress, which ``/ready``
  reports task by task.

A task proves progress by calling :meth:`TaskHealth.beat`; a task that does not (a job of
a service that sleeps between rounds) counts as healthy while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from shared.logging import get_logger

log = get_logger(__name__)

SupervisedJob = Callable[["TaskHealth"], Awaitable[None]]


@dataclass
class TaskHealth:
    """What the supervisor knows about one task."""

    name: str
    service: str = ""
    # Seconds without a beat after which a running task counts as stuck; None: never.
    stall_after: float | None = None
    running: bool = False
    failures: int = 0  # consecutive failed runs, 0 once the task makes progress again
    restarts: int = 0
    last_error: str | None = None
    last_beat: float = field(default_factory=time.monotonic)

    def beat(self) -> None:
        """The task made progress (e.g. a round trip to the database succeeded)."""
        self.last_beat = time.monotonic()
        if self.failures:
            log.info(
                "task.recovered",
                service=self.service,
                task=self.name,
                failed_runs=self.failures,
                error=self.last_error,
            )
            self.failures = 0

    def healthy(self, now: float | None = None) -> bool:
        if not self.running:
            return False
        if self.failures and self.stall_after is not None:
            return False  # running again, but no progress since it failed
        if self.stall_after is None:
            return True  # a job that cannot show progress is healthy while it runs
        return (now or time.monotonic()) - self.last_beat <= self.stall_after

    def describe(self) -> str:
        if self.healthy():
            return "running"
        if not self.running:
            return f"restarting after {self.failures} failure(s): {self.last_error}"
        if self.failures:
            return f"running again after: {self.last_error}"
        return f"no progress for {time.monotonic() - self.last_beat:.0f}s"


class Supervisor:
    """Runs named jobs until ``stop`` is set, restarting each one that fails."""

    def __init__(
        self,
        stop: asyncio.Event,
        *,
        service: str = "",
        initial_backoff: float = 0.2,
        max_backoff: float = 2.0,
    ) -> None:
        self._stop = stop
        self.service = service
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.tasks: dict[str, TaskHealth] = {}
        self._running: list[asyncio.Task[None]] = []

    def start(self, name: str, job: SupervisedJob, *, stall_after: float | None = None) -> None:
        # Running from now on: the task starts at the loop's next turn, and a request in
        # between must not find it "not running".
        health = TaskHealth(name, self.service, stall_after=stall_after, running=True)
        self.tasks[name] = health
        self._running.append(asyncio.create_task(self._supervise(health, job), name=name))

    async def _supervise(self, health: TaskHealth, job: SupervisedJob) -> None:
        backoff = self.initial_backoff
        while not self._stop.is_set():
            health.running = True
            health.last_beat = time.monotonic()
            try:
                await job(health)
                if self._stop.is_set():
                    break
                raise RuntimeError("the task returned before the service was stopped")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                health.running = False
                health.last_error = _cause_chain(error)
                if health.failures == 0:
                    # Once per streak, with the traceback: the cause is in it.
                    log.error(
                        "task.failed",
                        service=health.service,
                        task=health.name,
                        error=health.last_error,
                        exc_info=True,
                    )
                health.failures += 1
                health.restarts += 1
            # A run that made progress (beat, so failures went back to 0) restarts quickly.
            backoff = self.initial_backoff if health.failures <= 1 else backoff
            await _wait(self._stop, backoff)
            backoff = min(backoff * 2, self.max_backoff)
        health.running = False

    def health(self) -> dict[str, bool]:
        now = time.monotonic()
        return {name: task.healthy(now) for name, task in self.tasks.items()}

    async def stop(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for the tasks to end on ``stop``, then cancel them."""
        self._stop.set()
        if not self._running:
            return
        _, pending = await asyncio.wait(self._running, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)


def _cause_chain(error: BaseException) -> str:
    """``repr`` of the error and of each cause, e.g. ``InterfaceError(...) <- OSError(...)``."""
    parts = [repr(error)]
    seen = {id(error)}
    cause = error.__cause__ or error.__context__
    while cause is not None and id(cause) not in seen and len(parts) < 4:
        parts.append(repr(cause))
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return " <- ".join(parts)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
