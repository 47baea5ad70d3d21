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


def is_decision_overdue(received: date, today: date, decided_on: date | None = None) -> bool:
    """rules.md §5.4: overdue cases must be visible. `today` is a Latvian calendar date."""
    deadline = decision_deadline(received)
    if decided_on is not None:
        return decided_on > deadline
    return today > deadline
