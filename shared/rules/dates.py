"""Calendar arithmetic shared by ages, periods and deadlines (pure, no clock)."""

import calendar
from datetime import date, timedelta


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def same_day_months_later_or_last(start: date, months: int) -> date:
    """rules.md §5.4: the same day `months` later, or that month's last day if there is none.

    31 January + 1 month is 28 (or 29) February.
    """
    year, month = _shift(start.year, start.month, months)
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last))


def anniversary(start: date, months: int) -> date:
    """The date `months` after `start`; a missing day rolls to the 1st of the next month.

    Decision (docs/rules.md): used for ages and period lengths, so that a person born on
    29 February comes of age on 1 March in a common year, and a period from 31 January that
    lasts one month ends on the last day of February (the day before 1 March).
    """
    year, month = _shift(start.year, start.month, months)
    last = calendar.monthrange(year, month)[1]
    if start.day <= last:
        return date(year, month, start.day)
    return date(year, month, last) + timedelta(days=1)


def age_on(birth_date: date, on: date) -> int:
    """Completed years on `on`; the birthday itself counts (rules.md §3.1–3.2)."""
    years = on.year - birth_date.year
    if anniversary(birth_date, 12 * years) > on:
        years -= 1
    return years


def birthday(birth_date: date, years: int) -> date:
    """The day the person turns `years` old."""
    return anniversary(birth_date, 12 * years)


def end_of_months(start: date, months: int) -> date:
    """Last day of a period of `months` months beginning on `start` (rules.md §4.4)."""
    return anniversary(start, months) - timedelta(days=1)
