"""When an act counts as notified, when it takes effect, and the last day for an objection
(legal.md §5–§6: Paziņošanas likums, APL 70(1), APL 41–43, APL 79(1)). Pure, no clock.

Working days here are those of the law "Par svētku, atceres un atzīmējamām dienām" (the
public holidays and the Monday off after 4 May or 18 November on a weekend). Days off that
a Cabinet order transfers bind state institutions and only recommend the transfer to
municipalities (legal.md §6): whether they count is the municipality's setting,
``transferred_days_off``. The one-month term is counted like the decision deadline of
rules.md §5.4 (same-numbered day or the month's last day, then the next working day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays

from shared.rules.dates import same_day_months_later_or_last

# holidays.LV names the days off a Cabinet order moved "Day off (substituted from …)".
_TRANSFERRED_PREFIX = "Day off"


class NotificationMethod(StrEnum):
    """How an act was notified (Paziņošanas likums; legal.md §6)."""

    IN_PERSON = "in_person"  # handed over against signature: notified that day
    REGISTERED_LETTER = "registered_letter"  # the 7th day after posting
    SIMPLE_LETTER = "simple_letter"  # the 8th day after posting
    E_DOCUMENT = "e_document"  # secure e-signature, by e-mail: the 2nd working day after
    OFFICIAL_E_ADDRESS = "official_e_address"  # to the official e-address: the same


# legal.md §6: the deemed day of a letter is the n-th calendar day after posting.
LETTER_DAYS = {NotificationMethod.REGISTERED_LETTER: 7, NotificationMethod.SIMPLE_LETTER: 8}
ELECTRONIC = frozenset({NotificationMethod.E_DOCUMENT, NotificationMethod.OFFICIAL_E_ADDRESS})
ELECTRONIC_WORKING_DAYS = 2


@lru_cache(maxsize=64)
def _holidays(year: int, transferred_days_off: bool) -> frozenset[date]:
    found = holidays.country_holidays("LV", years=year)
    return frozenset(
        day
        for day, name in found.items()
        if transferred_days_off or not name.startswith(_TRANSFERRED_PREFIX)
    )


def is_working_day(day: date, transferred_days_off: bool = False) -> bool:
    """legal.md §6: Monday to Friday, not a public holiday; with ``transferred_days_off``
    also not a day off a Cabinet order moved (the municipality follows the order)."""
    return day.weekday() < 5 and day not in _holidays(day.year, transferred_days_off)


def next_working_day(day: date, transferred_days_off: bool = False) -> date:
    """``day`` itself if it is a working day, else the first working day after it (APL 43)."""
    while not is_working_day(day, transferred_days_off):
        day += timedelta(days=1)
    return day


def notified_on(
    method: NotificationMethod, sent_on: date, transferred_days_off: bool = False
) -> date:
    """The day the act counts as notified (Paziņošanas likums; legal.md §6).

    In person: the day it was handed over. A registered letter: the 7th day after posting;
    a simple letter: the 8th. An electronic document with a secure e-signature, or one sent
    to the official e-address: the 2nd working day after sending. The deemed day of a letter
    is a calendar day and is not moved off a weekend or holiday (legal.md §6, *verify*): it
    is not a term the person must act within; the objection term that runs from it is.
    """
    if method is NotificationMethod.IN_PERSON:
        return sent_on
    if method in LETTER_DAYS:
        return sent_on + timedelta(days=LETTER_DAYS[method])
    day, counted = sent_on, 0
    while counted < ELECTRONIC_WORKING_DAYS:
        day += timedelta(days=1)
        if is_working_day(day, transferred_days_off):
            counted += 1
    return day


def month_term_end(event_day: date, transferred_days_off: bool = False) -> date:
    """APL 41–43 (legal.md §6): a one-month term starts the day after the event and ends on
    the same-numbered day of the next month (or that month's last day); a last day on a
    weekend or public holiday moves to the next working day."""
    return next_working_day(same_day_months_later_or_last(event_day, 1), transferred_days_off)


@dataclass(frozen=True)
class NotificationDates:
    """What follows from one notification (legal.md §5–§6)."""

    notified_on: date  # the day the act counts as notified
    effective_on: date  # APL 70(1): the act takes effect when notified
    objection_deadline: date  # APL 79(1): the last day to file an objection


def notification_dates(
    method: NotificationMethod, sent_on: date, transferred_days_off: bool = False
) -> NotificationDates:
    """The day notified, the day in effect (the same, APL 70(1)), and the last day for an
    objection: one month from entry into force (APL 79(1), legal.md §5 item 2)."""
    notified = notified_on(method, sent_on, transferred_days_off)
    return NotificationDates(notified, notified, month_term_end(notified, transferred_days_off))
