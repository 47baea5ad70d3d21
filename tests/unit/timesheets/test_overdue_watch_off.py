"""The overdue watch switched off idles until the service stops (it does not return early:
the supervisor would count an early return as a failure and restart it, logging errors)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from services.timesheets.report.overdue import watch_overdue
from shared.runtime import ServiceRuntime


async def test_switched_off_it_waits_for_the_stop_and_touches_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASIST_TIMESHEETS_OVERDUE_WATCH", "false")
    stop = asyncio.Event()
    runtime = cast(ServiceRuntime, cast(Any, object()))  # any use of it would raise
    watching = asyncio.create_task(watch_overdue(runtime, stop))
    await asyncio.sleep(0.05)
    assert not watching.done(), "an early return is a failed job to the supervisor"
    stop.set()
    await asyncio.wait_for(watching, timeout=1)
