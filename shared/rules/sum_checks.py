"""Sums of a time report against limits (rules.md §6.1, §7.2): the grant, the assistant's 40 h.

`entries` are the report under review; `context` are other known entries (other clients,
other assistants, neighbouring months). They count in the sums, but a finding is raised
only for a week or month that holds a reviewed entry.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date
from decimal import Decimal

from shared.rules.tables import rule_set_for
from shared.rules.timesheet_model import (
    Finding,
    FindingCode,
    GrantWindow,
    TimeEntry,
    grant_for,
    iso_week,
)
from shared.rules.vocabulary import Unit

Pool = list[tuple[TimeEntry, bool]]  # (entry, is it under review)


def pool(entries: Iterable[TimeEntry], context: Iterable[TimeEntry]) -> Pool:
    """Reviewed entries (all, duplicates too) plus context entries not already reviewed."""
    reviewed = list(entries)
    seen = set(reviewed)
    extra = [e for e in dict.fromkeys(context) if e not in seen]
    return [(e, True) for e in reviewed] + [(e, False) for e in extra]


def _hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


Group = tuple[list[TimeEntry], int, Decimal]  # entries, seconds worked, limit in hours


def _over_limit(
    members: Pool, key: Callable[[TimeEntry], Hashable], limit: Callable[[TimeEntry], Decimal]
) -> list[Group]:
    """Groups (by `key`) whose worked seconds exceed `limit` hours and hold a reviewed entry."""
    groups: dict[Hashable, Pool] = defaultdict(list)
    for entry, reviewed in members:
        groups[key(entry)].append((entry, reviewed))
    over = []
    for group in groups.values():
        seconds = sum(e.seconds for e, _ in group)
        cap = limit(group[0][0])
        # Compare in seconds: exact, whatever the minutes (20 min is not a finite decimal hour).
        if seconds > cap * 3600 and any(reviewed for _, reviewed in group):
            over.append(([e for e, _ in group], seconds, cap))
    return over


def unit_period(day: date, unit: Unit) -> tuple[int, int]:
    """The week (ISO) or month a day's hours count in, by the grant's unit (rules.md §4.5)."""
    return iso_week(day) if unit is Unit.WEEK else (day.year, day.month)


def counted_grant(entry: TimeEntry, grants: Sequence[GrantWindow]) -> GrantWindow | None:
    """The grant an entry's hours count against; None when the day has a finding of its own
    (outside every grant, after a termination, in a suspension)."""
    grant = grant_for(entry, grants)
    if grant is None or grant.terminated_on(entry.day) or grant.suspended_on(entry.day):
        return None
    return grant


def check_grant_sums(
    entries: Iterable[TimeEntry], grants: Sequence[GrantWindow], context: Iterable[TimeEntry] = ()
) -> list[Finding]:
    """rules.md §7.2: ISO-week (unit week) or calendar-month (unit month) sums within the grant.

    Keyed on the grant's unit, never on age. The sum is checked "as amended on each day"
    (docs/timesheets.md): hours are added up day by day through the week or month, and at
    the end of every day the running sum must be within the hours of the grant in force on
    that day. So a mid-week amendment does not open a second allowance for the same week.
    Entries in a suspension, after a termination or outside every grant are left out (they
    get their own finding). Decision (docs/rules.md): a week or month cut by the period's
    start or end gets the full weekly or monthly amount; hours are not pro-rated.
    """
    groups: dict[Hashable, Pool] = defaultdict(list)
    owner: dict[TimeEntry, GrantWindow] = {}
    for entry, reviewed in pool(entries, context):
        grant = counted_grant(entry, grants)
        if grant is not None:
            owner[entry] = grant
            groups[(grant.client_id, grant.unit, unit_period(entry.day, grant.unit))].append(
                (entry, reviewed)
            )
    found = []
    for members in groups.values():
        if not any(reviewed for _, reviewed in members):
            continue
        over = _first_day_over(members, owner)
        if over is None:
            continue
        grant, seconds = over
        days = tuple(sorted({e.day for e, _ in members}))
        total = sum(e.seconds for e, _ in members)
        code = (
            FindingCode.WEEKLY_GRANT_EXCEEDED
            if grant.unit is Unit.WEEK
            else FindingCode.MONTHLY_GRANT_EXCEEDED
        )
        detail = f"{_hours(total)} h reported, the grant is {grant.hours} h per {grant.unit}"
        if seconds != total:
            detail += f" (already {_hours(seconds)} h when it was {grant.hours} h)"
        found.append(Finding(code, days, detail, None, grant.client_id))
    return found


def _first_day_over(
    members: Pool, owner: dict[TimeEntry, GrantWindow]
) -> tuple[GrantWindow, int] | None:
    """The grant and running sum (seconds) on the first day the sum passes that day's grant."""
    by_day: dict[date, int] = defaultdict(int)
    for entry, _ in members:
        by_day[entry.day] += entry.seconds
    grants = {e.day: owner[e] for e, _ in members}
    running = 0
    for day in sorted(by_day):
        running += by_day[day]
        # Compare in seconds: exact, whatever the minutes (20 min is no finite decimal hour).
        if running > grants[day].hours * 3600:
            return grants[day], running
    return None


def check_assistant_weekly_limit(
    entries: Iterable[TimeEntry], context: Iterable[TimeEntry] = ()
) -> list[Finding]:
    """rules.md §6.1: at most 40 h in an ISO week across all of an assistant's clients.

    A week across a month boundary counts whole: pass the neighbouring month's entries as
    `context`, when known.
    """

    def limit(e: TimeEntry) -> Decimal:
        year, week = iso_week(e.day)
        return rule_set_for(date.fromisocalendar(year, week, 7)).assistant_weekly_limit

    def key(e: TimeEntry) -> Hashable:
        return e.assistant_id, iso_week(e.day)

    found = []
    for members, seconds, cap in _over_limit(pool(entries, context), key, limit):
        year, week = iso_week(members[0].day)
        days = tuple(sorted({e.day for e in members}))
        detail = f"{_hours(seconds)} h in {year}-W{week:02d} across all clients, limit {cap} h"
        code = FindingCode.ASSISTANT_WEEKLY_LIMIT_EXCEEDED
        assistant = members[0].assistant_id
        found.append(Finding(code, days, detail, assistant, None, "rules.md §6.1, §7.2"))
    return found
