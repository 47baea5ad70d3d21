"""Checks of a monthly time report (rules.md §7.2), as pure functions over plain data.

`entries` are the report under review. `context` are other entries already known (the
assistant's other clients, other assistants of the client, the neighbouring months): they
count in sums and overlaps, but a finding is raised only when it involves a reviewed entry.
`today` is the Latvian calendar date, passed in: pure code reads no clock.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import combinations

from shared.rules.entry_checks import check_activities, check_days, check_end_after_start
from shared.rules.sum_checks import Pool, check_assistant_weekly_limit, check_grant_sums, pool
from shared.rules.timesheet_model import Finding, FindingCode, GrantWindow, TimeEntry, span_text


def overlap_code(a: TimeEntry, b: TimeEntry) -> FindingCode | None:
    """Which overlap two entries would be (rules.md §6.1), if their times met; None: none."""
    if a.assistant_id == b.assistant_id:
        if a.client_id == b.client_id:
            return FindingCode.OVERLAP_SAME_ASSISTANT_AND_CLIENT
        return FindingCode.OVERLAP_ASSISTANT_TWO_CLIENTS
    if a.client_id == b.client_id:
        return FindingCode.OVERLAP_CLIENT_TWO_ASSISTANTS
    return None


def _overlap(a: TimeEntry, b: TimeEntry, code: FindingCode) -> Finding:
    detail = (
        f"{a.assistant_id}/{a.client_id} {span_text(a)} overlaps "
        f"{b.assistant_id}/{b.client_id} {span_text(b)}"
    )
    assistant = a.assistant_id if a.assistant_id == b.assistant_id else None
    client = a.client_id if a.client_id == b.client_id else None
    return Finding(code, (a.day,), detail, assistant, client, "rules.md §6.1, §7.2")


def check_overlaps(
    entries: Iterable[TimeEntry], context: Iterable[TimeEntry] = ()
) -> list[Finding]:
    """rules.md §6.1, §7.2: an assistant never serves two clients, and a client never has two
    assistants, at the same time. Touching spans (10–12 and 12–14) do not overlap.
    """
    by_day: dict[date, Pool] = defaultdict(list)
    for entry, reviewed in pool(entries, context):
        if entry.is_well_formed:
            by_day[entry.day].append((entry, reviewed))
    found = []
    for day in sorted(by_day):
        for (a, a_reviewed), (b, b_reviewed) in combinations(by_day[day], 2):
            code = overlap_code(a, b)
            if code is None or not (a_reviewed or b_reviewed):
                continue
            (a_start, a_end), (b_start, b_end) = a.wall_span, b.wall_span
            if a_start < b_end and b_start < a_end:
                found.append(_overlap(a, b, code))
    return found


def check_timesheet(
    entries: Sequence[TimeEntry],
    grants: Sequence[GrantWindow],
    today: date,
    context: Iterable[TimeEntry] = (),
) -> list[Finding]:
    """Every check of rules.md §7.2 on one report; findings ordered by their first day."""
    known = list(context)
    found = (
        check_end_after_start(entries)
        + check_days(entries, grants, today)
        + check_activities(entries, grants)
        + check_overlaps(entries, known)
        + check_grant_sums(entries, grants, known)
        + check_assistant_weekly_limit(entries, known)
    )
    return sorted(found, key=lambda f: f.days[0] if f.days else today)
