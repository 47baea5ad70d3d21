"""Entries of a report: Riga wall times to real hours, and the checks of their shape.

rules.md §7.1: a day, a start and an end (Riga wall time; 00:00 as an end is the midnight
that ends the day), and the activity. Hours are the real time that passed (summer-time
aware), rounded half-up to the cent for the events; the checks compare exact seconds.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

from services.timesheets.domain.errors import FieldError
from shared.contracts.timesheets import ReportedEntry
from shared.rules import TimeEntry
from shared.rules.riga_time import elapsed_seconds, seconds_of

CENT = Decimal("0.01")
MAX_ENTRIES = 400  # a month of short stretches; more is a mistake, not a report


@dataclass(frozen=True)
class EntryInput:
    """One entry as the assistant gives it."""

    day: date
    start: time
    end: time
    activity: str
    note: str = ""


def hours_of(seconds: int) -> Decimal:
    return (Decimal(max(0, seconds)) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def month_bounds(month: str) -> tuple[date, date]:
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def reported(entry: EntryInput) -> ReportedEntry:
    seconds = elapsed_seconds(entry.day, entry.start, entry.end)
    return ReportedEntry(
        day=entry.day,
        start=entry.start,
        end=entry.end,
        activity=entry.activity,
        hours=hours_of(seconds),
    )


def entry_errors(
    entries: list[EntryInput], month: str, prefix: str = "entries"
) -> list[FieldError]:
    """Shape errors that make an entry meaningless (422); rule findings come at submit."""
    errors: list[FieldError] = []
    if len(entries) > MAX_ENTRIES:
        errors.append(FieldError(prefix, f"at most {MAX_ENTRIES} entries a month"))
    first, last = month_bounds(month)
    for index, entry in enumerate(entries):
        where = f"{prefix}[{index}]"
        if not first <= entry.day <= last:
            errors.append(FieldError(f"{where}.day", f"{entry.day} is not in {month}"))
        if seconds_of(entry.end, is_end=True) <= seconds_of(entry.start):
            errors.append(
                FieldError(f"{where}.end", "must be after start on the same day (00:00 = midnight)")
            )
        if not entry.activity.strip():
            errors.append(FieldError(f"{where}.activity", "must name an activity"))
    return errors


def time_entries(
    entries: list[ReportedEntry] | tuple[ReportedEntry, ...], person: str, client: str
) -> list[TimeEntry]:
    """The report's entries as the checks of shared.rules see them.

    ``person`` and ``client`` are the keys that identify the same assistant (across
    municipalities, by personal code) and the same client; they are ids, never codes.
    """
    return [TimeEntry(person, client, e.day, e.start, e.end, e.activity) for e in entries]
