"""Checks of single time-report entries (rules.md §7.2): times, days, activities, approval."""

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from shared.rules.timesheet_model import (
    Finding,
    FindingCode,
    GrantWindow,
    TimeEntry,
    grant_for,
    span_text,
)


def check_end_after_start(entries: Iterable[TimeEntry]) -> list[Finding]:
    """An entry must end after it starts, on the same day (rules.md §7.1 decision)."""
    return [
        Finding.about(
            e,
            FindingCode.END_BEFORE_START,
            f"{span_text(e)} does not end after it starts",
            "rules.md §7.1",
        )
        for e in entries
        if not e.is_well_formed
    ]


def check_days(
    entries: Iterable[TimeEntry], grants: Sequence[GrantWindow], today: date
) -> list[Finding]:
    """rules.md §7.2: inside the granted period, not after a termination, not in a
    suspension, not in the future.

    `today` is the Latvian calendar date (Europe/Riga), given by the caller.
    """
    found: list[Finding] = []
    for e in entries:
        day = e.day.isoformat()
        if e.day > today:
            found.append(
                Finding.about(e, FindingCode.FUTURE_DATE, f"{day} is after {today.isoformat()}")
            )
        grant = grant_for(e, grants)
        if grant is None:
            found.append(
                Finding.about(
                    e, FindingCode.OUTSIDE_PERIOD, f"no grant of {e.client_id} covers {day}"
                )
            )
        elif grant.terminated_on(e.day):
            found.append(
                Finding.about(e, FindingCode.AFTER_TERMINATION, f"the service ended before {day}")
            )
        elif grant.suspended_on(e.day):
            found.append(
                Finding.about(e, FindingCode.IN_SUSPENSION, f"the service is suspended on {day}")
            )
    return found


def check_activities(entries: Iterable[TimeEntry], grants: Sequence[GrantWindow]) -> list[Finding]:
    """rules.md §7.2: the activity is one the grant covers (any, for a child's month hours)."""
    found: list[Finding] = []
    for e in entries:
        grant = grant_for(e, grants)
        if grant is None or grant.activities is None or e.activity in grant.activities:
            continue
        found.append(
            Finding.about(
                e,
                FindingCode.ACTIVITY_NOT_GRANTED,
                f"{e.activity!r} is not among the granted {sorted(grant.activities)}",
            )
        )
    return found


def check_approved_hours(
    reported: Decimal, approved: Decimal, days: Sequence[date] = ()
) -> list[Finding]:
    """rules.md §7.2: a caseworker may approve fewer hours than reported, never more."""
    if approved <= reported:
        return []
    detail = f"{approved} h approved, only {reported} h reported"
    return [Finding(FindingCode.APPROVED_MORE_THAN_REPORTED, tuple(days), detail)]


def check_assignment(
    entries: Iterable[TimeEntry], assigned_from: date, assigned_until: date | None
) -> list[Finding]:
    """rules.md §6.1–6.2: only days on which the assistant served the client (the contract)."""
    span = f"{assigned_from.isoformat()} … {assigned_until.isoformat() if assigned_until else ''}"
    return [
        Finding.about(
            e,
            FindingCode.NOT_ASSIGNED,
            f"{e.day.isoformat()} is outside the assignment ({span})",
            "rules.md §6.1, §7.2",
        )
        for e in entries
        if e.day < assigned_from or (assigned_until is not None and e.day > assigned_until)
    ]
