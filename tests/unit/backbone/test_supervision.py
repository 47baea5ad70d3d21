"""The supervisor of background tasks (shared/supervision.py): pure asyncio, no servers."""

from __future__ import annotations

import asyncio
import itertools

import structlog

from deploy.services import _why_not_ready
from shared.supervision import Supervisor, TaskHealth


async def test_a_failing_task_is_restarted_with_growing_capped_backoff_and_logged_once() -> None:
    stop = asyncio.Event()
    supervisor = Supervisor(stop, service="probe", initial_backoff=0.05, max_backoff=0.2)
    started: list[float] = []
    loop = asyncio.get_running_loop()
    recovered = asyncio.Event()

    async def job(health: TaskHealth) -> None:
        started.append(loop.time())
        if len(started) <= 5:
            raise OSError("connection refused")
        health.beat()
        recovered.set()
        await stop.wait()

    with structlog.testing.capture_logs() as logs:
        supervisor.start("job", job, stall_after=10)
        await asyncio.wait_for(recovered.wait(), 10)
        healthy_again = supervisor.health()
        await supervisor.stop(grace=1)

    gaps = [b - a for a, b in itertools.pairwise(started)]  # 0.05, 0.1, 0.2, 0.2, 0.2
    assert gaps[1] > gaps[0] * 1.5  # doubles
    assert gaps[4] < 0.35  # capped at max_backoff; doubling on would make it 0.8
    events = [e["event"] for e in logs]
    assert events.count("task.failed") == 1
    assert events.count("task.recovered") == 1
    failed = next(e for e in logs if e["event"] == "task.failed")
    assert failed["service"] == "probe" and "OSError('connection refused')" in failed["error"]
    assert healthy_again == {"job": True}
    assert supervisor.tasks["job"].restarts == 5


async def test_health_says_not_running_while_failing_and_stuck_without_progress() -> None:
    stop = asyncio.Event()
    supervisor = Supervisor(stop, initial_backoff=10)

    failing = asyncio.Event()

    async def broken(health: TaskHealth) -> None:
        failing.set()
        raise ValueError("bad")

    async def silent(health: TaskHealth) -> None:
        await stop.wait()

    supervisor.start("broken", broken)
    supervisor.start("silent", silent, stall_after=0.05)
    # The first failure is logged with its traceback, synchronously, before "silent" even
    # starts (and beats): with rich installed, an unconfigured structlog renders it with
    # locals, which took over 0.1 s and made a fixed sleep here flaky. So wait for the
    # failure first, then for longer than the stall limit.
    await failing.wait()
    await asyncio.sleep(0.1)
    health = supervisor.health()
    described = supervisor.tasks["broken"].describe()
    stuck = supervisor.tasks["silent"].describe()
    await supervisor.stop(grace=0.5)
    assert health == {"broken": False, "silent": False}
    assert described.startswith("restarting after 1 failure(s): ValueError('bad')")
    assert stuck.startswith("no progress for")


async def test_a_task_that_returns_before_stop_counts_as_a_failure() -> None:
    stop = asyncio.Event()
    supervisor = Supervisor(stop, initial_backoff=10)

    async def returns(health: TaskHealth) -> None:
        return None

    supervisor.start("returns", returns)
    await asyncio.sleep(0.05)
    assert "returned before the service was stopped" in supervisor.tasks["returns"].describe()
    await supervisor.stop(grace=0.5)


def test_status_names_what_is_not_ready() -> None:
    body = {
        "checks": {"started": True, "database": False, "nats": True},
        "tasks": {"relay": "restarting after 2 failure(s): OSError()", "database-watch": "running"},
    }
    assert _why_not_ready(body) == (
        "database unreachable; task relay: restarting after 2 failure(s): OSError()"
    )
    assert _why_not_ready({"checks": {"started": False}}) == "starting"
    assert _why_not_ready("garbage") == ""
