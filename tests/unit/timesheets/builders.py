"""Plain data for the timesheet unit tests: grants, entries, reports."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from services.timesheets.domain.entries import EntryInput
from services.timesheets.domain.report import (
    Checks,
    Report,
    ReportState,
    SaveDraft,
    Submit,
    decide,
    evolve,
)
from shared.rules import GrantWindow, TimeEntry, Unit

TODAY = date(2026, 12, 2)
REPORT = Report("ts-1", "A", "K", "asg-1", "2026-11")


def grant(
    hours: int = 20,
    unit: Unit = Unit.WEEK,
    start: date = date(2026, 1, 1),
    end: date = date(2026, 12, 31),
    activities: frozenset[str] | None = frozenset({"work", "institutions"}),
    suspensions: tuple[tuple[date, date | None], ...] = (),
    terminated_from: date | None = None,
    client: str = "K",
) -> GrantWindow:
    return GrantWindow(
        client, unit, Decimal(hours), activities, start, end, suspensions, terminated_from
    )


def entry(
    day: date, start: str = "08:00", end: str = "12:00", activity: str = "work"
) -> EntryInput:
    return EntryInput(day, time.fromisoformat(start), time.fromisoformat(end), activity)


def time_entry(
    day: date,
    start: str = "08:00",
    end: str = "12:00",
    *,
    assistant: str = "A",
    client: str = "K",
    activity: str = "work",
) -> TimeEntry:
    return TimeEntry(
        assistant, client, day, time.fromisoformat(start), time.fromisoformat(end), activity
    )


def checks(*grants: GrantWindow, context: tuple[TimeEntry, ...] = ()) -> Checks:
    return Checks(grants=list(grants) or [grant()], context=list(context), person="A", client="K")


def play(state: ReportState, *commands: object) -> ReportState:
    for command in commands:
        for event in decide(command, state):  # type: ignore[arg-type]
            state = evolve(state, event)
    return state


def drafted(entries: list[EntryInput], report: Report = REPORT) -> ReportState:
    return play(ReportState(), SaveDraft(report, entries, TODAY))


def submitted(entries: list[EntryInput], *grants: GrantWindow) -> ReportState:
    return play(drafted(entries), Submit(TODAY, checks(*grants)))
