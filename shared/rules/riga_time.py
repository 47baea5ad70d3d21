"""Latvian wall-clock time without a clock or a tz database (pure; rules.md §7.1).

Time reports give Latvian calendar days and local wall-clock times (Europe/Riga). Latvia
follows the EU summer-time rule (Directive 2000/84/EC): clocks go forward at 01:00 UTC on
the last Sunday of March (03:00 -> 04:00 local) and back at 01:00 UTC on the last Sunday of
October (04:00 -> 03:00 local). Worked time is the time that really passed, so a night
shift over the change is one hour shorter in March and one hour longer in October.
"""

import calendar
from datetime import date, time
from functools import lru_cache

DAY_SECONDS = 24 * 3600
_HOUR = 3600


@lru_cache(maxsize=256)
def last_sunday(year: int, month: int) -> date:
    last = calendar.monthrange(year, month)[1]
    day = date(year, month, last)
    return date.fromordinal(day.toordinal() - (day.weekday() + 1) % 7)


def seconds_of(moment: time, *, is_end: bool = False) -> int:
    """Seconds after local midnight; an end time of 00:00 means the midnight ending the day.

    Decision (docs/rules.md): entries stay inside one Latvian calendar day; work past
    midnight is reported as two entries, and 00:00 as an end means 24:00.
    """
    seconds = moment.hour * _HOUR + moment.minute * 60 + moment.second
    if is_end and seconds == 0:
        return DAY_SECONDS
    return seconds


def elapsed_seconds(day: date, start: time, end: time) -> int:
    """Real seconds between two wall-clock times of `day` in Riga (negative if end < start)."""
    begin = seconds_of(start)
    finish = seconds_of(end, is_end=True)
    wall = finish - begin
    if finish <= begin:
        return wall
    if day.month not in (3, 10) or day.day < 25:
        return wall  # the clocks change only on the last Sunday of March and October
    if day == last_sunday(day.year, 3):
        # 03:00–04:00 does not exist: a span over it is an hour shorter.
        skipped = max(0, min(finish, 4 * _HOUR) - max(begin, 3 * _HOUR))
        return wall - skipped
    if day == last_sunday(day.year, 10) and begin < 4 * _HOUR <= finish:
        # 03:00–04:00 happens twice; a start before 04:00 is read as the first time (summer
        # time), so a span that reaches 04:00 also contains the repeated hour.
        return wall + _HOUR
    return wall
