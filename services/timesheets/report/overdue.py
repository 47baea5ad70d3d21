"""rules.md §7.1: reports are due by a day of the next month that each municipality sets.

A daily check records ``TimesheetOverdue`` for every assignment's month with no submitted
report after the due day, once per report (the report's own events decide, as for
``DecisionOverdue``: a second run finds it recorded; a concurrent one fails on the stream
version and skips).
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
from datetime import date

from pydantic_settings import BaseSettings, SettingsConfigDict

from services.timesheets.domain.report import MarkOverdue
from services.timesheets.report.handlers import Assignment, fixed, run
from shared.clock import riga_today
from shared.events.envelope import new_event_id
from shared.logging import get_logger
from shared.runtime import ServiceRuntime
from shared.store.eventstore import ConcurrencyError, EventContext, EventStore
from shared.store.types import Connection

log = get_logger(__name__)


class TimesheetsSettings(BaseSettings):
    """Settings of this service only, prefix ``ASIST_TIMESHEETS_``."""

    model_config = SettingsConfigDict(env_prefix="ASIST_TIMESHEETS_", extra="ignore")

    # rules.md §7.1 decision: the day of the next month by which a month's report is due.
    due_day: int = 5
    # Per municipality, e.g. ASIST_TIMESHEETS_DUE_DAYS='{"ludza": 10}'.
    due_days: dict[str, int] = {}
    overdue_check_seconds: float = 3600.0
    # Off only where a test drives the check itself (POST .../timesheets/overdue-check).
    overdue_watch: bool = True

    def due_on(self, municipality: str, month: str) -> date:
        """The due day of ``month``'s reports: that day of the next month (or its last day)."""
        year, number = int(month[:4]), int(month[5:7])
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
        day = self.due_days.get(municipality, self.due_day)
        return date(year, number, min(day, calendar.monthrange(year, number)[1]))


def months_between(first: date, last: date) -> list[str]:
    months, year, number = [], first.year, first.month
    while (year, number) <= (last.year, last.month):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return months


def _previous_month_end(today: date) -> date:
    return date.fromordinal(today.replace(day=1).toordinal() - 1)


async def mark_overdue_reports(
    conn: Connection,
    store: EventStore,
    today: date,
    municipality: str | None,
    actor: str,
    settings: TimesheetsSettings | None = None,
) -> list[str]:
    """Record ``TimesheetOverdue`` for each assignment month past its due day; the report ids."""
    settings = settings or TimesheetsSettings()
    rows = await conn.fetch(
        "select a.assignment_id, a.assistant_id, a.case_id, a.municipality, a.assigned_from,"
        " least(a.last_day, c.terminated_from - 1) as last_day"
        " from known_assignments a left join grant_cases c on c.case_id = a.case_id"
        " where ($1::text is null or a.municipality = $1) order by a.assignment_id",
        municipality,
    )
    done = {
        (r["assignment_id"], r["month"])
        for r in await conn.fetch(
            "select assignment_id, month from reports where overdue or status not in ('draft')"
        )
    }
    marked = []
    for row in rows:
        assignment = Assignment(**dict(row))
        last = _previous_month_end(today)
        if assignment.last_day is not None:
            last = min(last, assignment.last_day)
        for month in months_between(assignment.assigned_from, last):
            due_on = settings.due_on(assignment.municipality, month)
            if (assignment.assignment_id, month) in done or today <= due_on:
                continue
            report = assignment.report(month)
            context = EventContext(assignment.municipality, new_event_id(), actor=actor)
            command = MarkOverdue(report, due_on, today)
            try:
                async with conn.transaction():  # a savepoint: one conflict skips one report
                    outcome = await run(conn, store, report, fixed(command), context)
            except ConcurrencyError:
                continue
            if outcome.events:
                marked.append(report.timesheet_id)
    return marked


async def watch_overdue(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """Background job: look for overdue reports now and then every hour (rules.md §7.1)."""
    settings = TimesheetsSettings()
    if not settings.overdue_watch:
        # Switched off: idle until the service stops. A background job that returns early
        # counts as failed (shared/supervision.py) and would be restarted and logged as
        # an error over and over.
        await stop.wait()
        return
    while not stop.is_set():
        try:
            async with runtime.pool.acquire() as conn, conn.transaction():
                marked = await mark_overdue_reports(
                    conn, runtime.store, riga_today(), None, "timesheets:overdue-watch", settings
                )
            if marked:
                log.info("timesheets.overdue", reports=len(marked))
        except Exception as error:  # keep watching: the next round may succeed
            log.warning("timesheets.overdue_watch_failed", error=repr(error))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.overdue_check_seconds)
