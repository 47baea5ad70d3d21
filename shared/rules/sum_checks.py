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


def check_grant_sums(
    entries: Iterable[TimeEntry], grants: Sequence[GrantWindow], context: Iterable[TimeEntry] = ()
) -> list[Finding]:
    """rules.md §7.2: ISO-week (adults) or calendar-month (children) sums within the grant.

    Entries in a suspension or outside every grant are left out (they get their own finding).
    Decision (docs/rules.md): a week or month cut by the period's start or end gets the full
    weekly or monthly amount; hours are not pro-rated.
    """
    counted: Pool = []
    owner: dict[TimeEntry, GrantWindow] = {}
    for entry, reviewed in pool(entries, context):
        grant = grant_for(entry, grants)
        if grant is not None and not grant.suspended_on(entry.day):
            counted.append((entry, reviewed))
            owner[entry] = grant

    def key(e: TimeEntry) -> Hashable:
        grant = owner[e]
        period = iso_week(e.day) if grant.unit is Unit.WEEK else (e.day.year, e.day.month)
        return grant, period

    found = []
    for members, seconds, cap in _over_limit(counted, key, lambda e: owner[e].hours):
        grant = owner[members[0]]
        weekly = grant.unit is Unit.WEEK
        code = FindingCode.WEEKLY_GRANT_EXCEEDED if weekly else FindingCode.MONTHLY_GRANT_EXCEEDED
        days = tuple(sorted({e.day for e in members}))
        detail = f"{_hours(seconds)} h reported, the grant is {cap} h per {grant.unit}"
        found.append(Finding(code, days, detail, None, grant.client_id))
    return found


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
