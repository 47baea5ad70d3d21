"""The one-month decision deadline (rules.md §5.4)."""

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

from shared.rules.dates import same_day_months_later_or_last
from shared.rules.tables import EXTRA_DAYS_OFF


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[date]:
    """Latvian public holidays of `year`, with the days moved off by law or Cabinet order.

    `holidays.LV` (0.108) includes the holidays of the law "On Public Holidays, Commemoration
    Days and Celebration Days", the Monday after 4 May or 18 November falling on a weekend,
    and the days off of the Cabinet orders transferring working days (2001–2026). Mother's
    Day and Easter/Pentecost Sunday are in its list too; they are Sundays anyway.
    """
    return frozenset(holidays.country_holidays("LV", years=year)) | EXTRA_DAYS_OFF


def is_working_day(day: date, extra_days_off: Iterable[date] = ()) -> bool:
    """rules.md §5.4: Monday to Friday and not a Latvian public holiday or day off.

    Decision (docs/rules.md): a Saturday made a working day by a transfer order is still a
    weekend here: rules.md §5.4 names weekends, and the orders bind state institutions while
    only recommending the transfer to municipalities.
    """
    if day.weekday() >= 5:
        return False
    return day not in _days_off(day.year) and day not in set(extra_days_off)


def next_working_day(day: date, extra_days_off: Iterable[date] = ()) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    extra = frozenset(extra_days_off)
    while not is_working_day(day, extra):
        day += timedelta(days=1)
    return day


def decision_deadline(received: date, extra_days_off: Iterable[date] = ()) -> date:
    """rules.md §5.4: same day next month (or its last day), moved to a working day.

    31 January gives 28 (29) February. `extra_days_off` lets a municipality add days off
    the holiday table does not know; requests for information do not move the deadline.
    """
    return next_working_day(same_day_months_later_or_last(received, 1), extra_days_off)


def is_decision_overdue(
    received: date, today: date, decided_on: date | None = None, deadline: date | None = None
) -> bool:
    """rules.md §5.4: overdue cases must be visible. `today` is a Latvian calendar date.

    `deadline` is the deadline in force for the case when it was extended (legal.md §6,
    APL 64(2)); None: the one-month deadline of rules.md §5.4.
    """
    deadline = deadline or decision_deadline(received)
    if decided_on is not None:
        return decided_on > deadline
    return today > deadline


# legal.md §6 (APL art. 64(2)): an extension reaches at most four months from receipt.
EXTENSION_MONTHS = 4


def latest_extended_deadline(received: date, extra_days_off: Iterable[date] = ()) -> date:
    """legal.md §6: four months from the receipt day, counted like the one-month term
    (same-numbered day or the month's last day, moved to the next working day)."""
    later = same_day_months_later_or_last(received, EXTENSION_MONTHS)
    return next_working_day(later, extra_days_off)


def extension_problem(
    received: date, deadline_in_force: date, new_deadline: date, today: date
) -> tuple[str, str] | None:
    """Why an extension to `new_deadline` decided on `today` is not allowed, as
    (field, message), or None (legal.md §6, APL 64(2)). Decided and notified before the
    deadline in force expires; later than it; at most four months from receipt."""
    if today > deadline_in_force:
        return (
            "today",
            f"the deadline in force ({deadline_in_force.isoformat()}) has passed; an extension "
            "is decided before it expires (APL 64(2), legal.md §6)",
        )
    if new_deadline <= deadline_in_force:
        return (
            "new_deadline",
            f"must be later than the deadline in force, {deadline_in_force.isoformat()}",
        )
    latest = latest_extended_deadline(received)
    if new_deadline > latest:
        return (
            "new_deadline",
            f"may not be later than {latest.isoformat()}, four months from receipt on "
            f"{received.isoformat()} (APL 64(2), legal.md §6); longer needs the approving "
            "decision of the higher institution",
        )
    return None
