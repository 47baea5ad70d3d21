"""legal.md §5–§6: the day an act counts as notified, takes effect, and the objection term."""

from datetime import date

import pytest

from shared.rules.notification import (
    NotificationMethod,
    is_working_day,
    month_term_end,
    notification_dates,
    notified_on,
)

M = NotificationMethod


def test_in_person_is_notified_the_same_day() -> None:
    assert notified_on(M.IN_PERSON, date(2026, 12, 23)) == date(2026, 12, 23)


def test_registered_letter_posted_on_a_friday_before_christmas() -> None:
    """Posted Friday 18.12.2026: the 7th day is Christmas Day, 25.12. The deemed day stays
    (it is not a term); the objection term runs one month from it and ends on Monday
    25.01.2027."""
    dates = notification_dates(M.REGISTERED_LETTER, date(2026, 12, 18))
    assert dates.notified_on == date(2026, 12, 25)
    assert dates.effective_on == date(2026, 12, 25)
    assert dates.objection_deadline == date(2027, 1, 25)


def test_registered_letter_posted_on_the_friday_before_midsummer() -> None:
    """Posted Friday 19.06.2026, before the Midsummer holidays (23–24 June): the 7th day is
    Friday 26.06; one month later is Sunday 26.07, so the last day is Monday 27.07."""
    dates = notification_dates(M.REGISTERED_LETTER, date(2026, 6, 19))
    assert dates.notified_on == date(2026, 6, 26)
    assert dates.objection_deadline == date(2026, 7, 27)


def test_simple_letter_is_the_eighth_day() -> None:
    assert notified_on(M.SIMPLE_LETTER, date(2026, 12, 18)) == date(2026, 12, 26)


@pytest.mark.parametrize("method", [M.E_DOCUMENT, M.OFFICIAL_E_ADDRESS])
def test_e_document_sent_on_23_december(method: NotificationMethod) -> None:
    """Sent Wednesday 23.12.2026: 24–26 December are holidays, 27 a Sunday; the first
    working day after is Monday 28.12, the second Tuesday 29.12."""
    dates = notification_dates(method, date(2026, 12, 23))
    assert dates.notified_on == date(2026, 12, 29)
    assert dates.objection_deadline == date(2027, 1, 29)


def test_transferred_day_off_counts_only_where_the_municipality_follows_the_order() -> None:
    """Monday 22.06.2026 is a day off transferred by Cabinet order (from Saturday 27.06)."""
    assert is_working_day(date(2026, 6, 22))
    assert not is_working_day(date(2026, 6, 22), transferred_days_off=True)
    sent = date(2026, 6, 19)  # Friday
    assert notified_on(M.E_DOCUMENT, sent) == date(2026, 6, 25)  # Mon 22, Thu 25
    assert notified_on(M.E_DOCUMENT, sent, transferred_days_off=True) == date(2026, 6, 26)


@pytest.mark.parametrize(
    ("effective", "deadline", "why"),
    [
        (date(2026, 1, 31), date(2026, 3, 2), "no 31 February: 28th, a Saturday, moves to Monday"),
        (date(2026, 3, 6), date(2026, 4, 7), "6 April is Easter Monday; 7 April a Tuesday"),
        (date(2026, 10, 18), date(2026, 11, 19), "18 November is a public holiday"),
        (date(2026, 11, 10), date(2026, 12, 10), "an ordinary Thursday"),
    ],
)
def test_month_term_moves_off_weekends_and_holidays(
    effective: date, deadline: date, why: str
) -> None:
    assert month_term_end(effective) == deadline, why


def test_the_monday_after_4_may_on_a_weekend_is_a_holiday() -> None:
    # 4 May 2025 was a Sunday: Monday 5 May is off by law, not by a transfer.
    assert not is_working_day(date(2025, 5, 5))
