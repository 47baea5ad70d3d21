"""rules.md §4.4: how long a grant may run."""

from datetime import date

import pytest

from shared.rules import PeriodError, PeriodKind, assess, max_period_end, period_end_for

from .builders import adult, child


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2019, 1, 1), date(2019, 12, 31)),
        (date(2019, 3, 15), date(2020, 3, 14)),
        (date(2015, 3, 1), date(2016, 2, 29)),
        (date(2021, 6, 30), date(2021, 12, 31)),  # rules.md §2: LV-2013 grants end by then
    ],
)
def test_lv_2013_period_lasts_at_most_one_year(start: date, end: date) -> None:
    assert max_period_end(start) == end
    assert assess(adult(start)).max_period_end == end


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2021, 7, 1), date(2024, 6, 30)),
        (date(2022, 1, 1), date(2024, 12, 31)),
        (date(2024, 2, 29), date(2027, 2, 28)),
    ],
)
def test_lv_2021_period_lasts_at_most_three_years(start: date, end: date) -> None:
    assert max_period_end(start) == end
    assert assess(adult(start)).max_period_end == end


@pytest.mark.parametrize("start", [date(2019, 1, 1), date(2022, 1, 1)])
def test_grant_never_outlives_the_disability_status(start: date) -> None:
    valid_until = start.replace(month=5, day=31)
    assert max_period_end(start, disability_valid_until=valid_until) == valid_until
    assert assess(adult(start, disability_valid_until=valid_until)).max_period_end == valid_until


def test_disability_status_longer_than_the_maximum_does_not_lengthen_it() -> None:
    end = max_period_end(date(2022, 1, 1), disability_valid_until=date(2030, 1, 1))
    assert end == date(2024, 12, 31)


def test_grant_never_outlives_the_commission_opinion() -> None:
    request = adult(date(2019, 1, 1), opinion_valid_until=date(2019, 8, 31))
    assert assess(request).max_period_end == date(2019, 8, 31)


def test_an_lv_2021_adult_grant_does_not_rest_on_an_old_opinion() -> None:
    """rules.md §3.1, §4.4: the LV-2021 adult rests on the social service's assessment."""
    request = adult(date(2022, 1, 1), opinion_valid_until=date(2023, 8, 31))
    assert assess(request).max_period_end == date(2024, 12, 31)


def test_childs_grant_ends_the_day_before_the_eighteenth_birthday() -> None:
    request = child(date(2022, 1, 1), birth_date=date(2005, 9, 10))
    assert assess(request).max_period_end == date(2023, 9, 9)


def test_limit_before_the_period_start_is_an_error() -> None:
    with pytest.raises(PeriodError, match="disability status"):
        max_period_end(date(2022, 1, 1), disability_valid_until=date(2021, 12, 31))


@pytest.mark.parametrize(
    ("kind", "start", "months", "end"),
    [
        ("one_time", date(2019, 5, 7), None, date(2019, 5, 7)),
        ("one_month", date(2019, 3, 15), None, date(2019, 4, 14)),
        ("one_month", date(2019, 1, 31), None, date(2019, 2, 28)),
        ("one_month", date(2020, 1, 31), None, date(2020, 2, 29)),
        ("one_month", date(2019, 12, 1), None, date(2019, 12, 31)),
        ("several_months", date(2019, 1, 15), 3, date(2019, 4, 14)),
        ("several_months", date(2019, 1, 1), 6, date(2019, 6, 30)),
        ("end_of_year", date(2019, 9, 10), None, date(2019, 12, 31)),
        ("one_year", date(2019, 1, 15), None, date(2020, 1, 14)),
        ("one_year", date(2020, 2, 29), None, date(2021, 2, 28)),
    ],
)
def test_lv_2013_period_kinds(kind: str, start: date, months: int | None, end: date) -> None:
    assert period_end_for(kind, start, months=months) == end


def test_period_kinds_are_cut_at_the_disability_status() -> None:
    end = period_end_for("one_year", date(2019, 1, 1), disability_valid_until=date(2019, 6, 30))
    assert end == date(2019, 6, 30)


def test_lv_2021_period_for_the_validity_of_the_disability_status() -> None:
    start = date(2022, 1, 1)
    assert period_end_for("disability_validity", start) == date(2024, 12, 31)
    end = period_end_for("disability_validity", start, disability_valid_until=date(2023, 3, 31))
    assert end == date(2023, 3, 31)


def test_lv_2021_still_allows_a_shorter_period() -> None:
    assert period_end_for("end_of_year", date(2022, 3, 1)) == date(2022, 12, 31)


def test_lv_2013_has_no_disability_validity_period() -> None:
    with pytest.raises(PeriodError, match="LV-2013"):
        period_end_for("disability_validity", date(2019, 1, 1))


@pytest.mark.parametrize(("kind", "months"), [("several_months", None), ("one_month", 2)])
def test_months_go_with_several_months_only(kind: str, months: int | None) -> None:
    with pytest.raises(PeriodError, match="months"):
        period_end_for(kind, date(2019, 1, 1), months=months)


@pytest.mark.parametrize("months", [1, 13])
def test_several_months_means_two_to_twelve(months: int) -> None:
    with pytest.raises(PeriodError, match="2 to 12"):
        period_end_for("several_months", date(2019, 1, 1), months=months)


def test_lv_2013_period_kinds_are_cut_at_the_limit() -> None:
    """rules.md §4.4: a kind cut at the disability status still counts as that kind."""
    from shared.rules.periods import lv_2013_period_kind

    start, far = date(2020, 3, 15), date(2030, 1, 1)
    assert lv_2013_period_kind(start, date(2021, 3, 14), far) == (PeriodKind.ONE_YEAR, None)
    assert lv_2013_period_kind(start, date(2020, 12, 31), far) == (PeriodKind.END_OF_YEAR, None)
    assert lv_2013_period_kind(start, date(2020, 6, 14), far) == (PeriodKind.SEVERAL_MONTHS, 3)
    assert lv_2013_period_kind(start, date(2020, 6, 20), far) is None
    limit = date(2020, 4, 1)  # the status ends first: a one-month grant ends with it
    assert lv_2013_period_kind(start, limit, limit) == (PeriodKind.ONE_MONTH, None)
