"""rules.md §5.4: the decision is due one month after the application, on a working day."""

from datetime import date

import pytest

from shared.rules import decision_deadline, is_decision_overdue, is_working_day


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        (date(2024, 3, 12), date(2024, 4, 12)),  # Friday: the same day next month
        (date(2024, 1, 31), date(2024, 2, 29)),  # no 31 February: last day (leap year)
        (date(2023, 1, 31), date(2023, 2, 28)),  # common year
        (date(2021, 3, 31), date(2021, 4, 30)),  # no 31 April
        (date(2023, 12, 15), date(2024, 1, 15)),  # over the new year
    ],
)
def test_deadline_is_the_same_day_next_month_or_its_last_day(
    received: date, deadline: date
) -> None:
    assert decision_deadline(received) == deadline


@pytest.mark.parametrize(
    ("received", "deadline", "why"),
    [
        (date(2024, 8, 14), date(2024, 9, 16), "Saturday 14 September"),
        (date(2024, 8, 15), date(2024, 9, 16), "Sunday 15 September"),
        (date(2022, 12, 31), date(2023, 1, 31), "31 January is a Tuesday"),
        (date(2023, 1, 30), date(2023, 2, 28), "30 February does not exist"),
        (date(2022, 1, 31), date(2022, 2, 28), "28 February 2022 is a Monday"),
        (date(2021, 1, 31), date(2021, 3, 1), "28 February 2021 is a Sunday"),
    ],
)
def test_deadline_on_a_weekend_moves_to_monday(received: date, deadline: date, why: str) -> None:
    assert decision_deadline(received) == deadline, why


@pytest.mark.parametrize(
    ("received", "deadline", "why"),
    [
        (date(2024, 10, 18), date(2024, 11, 19), "18 November, Proclamation Day"),
        (date(2023, 10, 18), date(2023, 11, 21), "18 Nov 2023 Sat, day off moved to Mon 20"),
        (date(2022, 4, 4), date(2022, 5, 5), "4 May, Restoration of Independence"),
        (date(2025, 4, 4), date(2025, 5, 6), "4 May 2025 Sunday, day off Monday 5 May"),
        (date(2024, 4, 1), date(2024, 5, 2), "1 May, Labour Day"),
        (date(2025, 5, 23), date(2025, 6, 25), "23–24 June, Līgo and Jāņi"),
        (date(2022, 5, 24), date(2022, 6, 27), "Midsummer Thursday–Friday then weekend"),
        (date(2025, 11, 24), date(2025, 12, 29), "24–26 December, then the weekend"),
        (date(2025, 3, 18), date(2025, 4, 22), "Good Friday to Easter Monday"),
        (date(2025, 11, 30), date(2025, 12, 30), "30 December 2025 is a working day"),
        (date(2022, 12, 1), date(2023, 1, 2), "1 January 2023 is a Sunday and a holiday"),
    ],
)
def test_deadline_on_a_latvian_public_holiday_moves_to_the_next_working_day(
    received: date, deadline: date, why: str
) -> None:
    assert decision_deadline(received) == deadline, why


@pytest.mark.parametrize(
    ("received", "deadline", "why"),
    [
        (date(2024, 11, 23), date(2024, 12, 27), "23 Dec 2024 day off moved from 14 Dec"),
        (date(2025, 10, 17), date(2025, 11, 19), "17 Nov 2025 day off moved from 8 Nov"),
        (date(2025, 4, 2), date(2025, 5, 6), "2 May 2025 moved from 10 May, then 3–5 May"),
        (date(2025, 12, 1), date(2026, 1, 5), "1 Jan holiday, 2 Jan 2026 moved from 17 Jan"),
        (date(2023, 4, 29), date(2023, 5, 30), "29 May 2023, the ice hockey bronze day off"),
    ],
)
def test_official_transferred_days_off_are_not_working_days(
    received: date, deadline: date, why: str
) -> None:
    assert decision_deadline(received) == deadline, why


def test_transferred_working_saturday_still_counts_as_weekend() -> None:
    assert not is_working_day(date(2024, 12, 14))  # worked in place of 23 December
    assert decision_deadline(date(2024, 11, 14)) == date(2024, 12, 16)


def test_municipality_may_add_days_off_the_table_does_not_know() -> None:
    assert decision_deadline(date(2024, 3, 12), extra_days_off=[date(2024, 4, 12)]) == date(
        2024, 4, 15
    )


def test_requests_for_information_do_not_move_the_deadline() -> None:
    # There is no parameter for them: the deadline depends on the day received only.
    assert decision_deadline(date(2024, 3, 12)) == date(2024, 4, 12)


def test_case_is_overdue_after_the_deadline_day() -> None:
    received = date(2024, 3, 12)
    assert not is_decision_overdue(received, today=date(2024, 4, 12))
    assert is_decision_overdue(received, today=date(2024, 4, 13))
    assert not is_decision_overdue(received, today=date(2024, 5, 1), decided_on=date(2024, 4, 12))
    assert is_decision_overdue(received, today=date(2024, 5, 1), decided_on=date(2024, 4, 15))
