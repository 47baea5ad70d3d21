"""rules.md §10: Latvian personal codes, old and new format."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.rules import (
    InvalidPersonalCode,
    birth_date_from_personal_code,
    format_personal_code,
    normalize_personal_code,
)
from shared.rules.personal_codes import check_digit

WEIGHTS = (1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # rules.md §10


def rules_md_check_digit(first_ten: str) -> str:
    """The formula exactly as rules.md §10 states it."""
    total = sum(w * int(d) for w, d in zip(WEIGHTS, first_ten, strict=True))
    return str((1101 - total) % 11 % 10)


def old_code(birth: date, serial: str = "2345") -> str:
    century = str(birth.year // 100 - 18)
    first_ten = f"{birth:%d%m%y}{century}{serial[:3]}"
    return f"{first_ten[:6]}-{first_ten[6:]}{rules_md_check_digit(first_ten)}"


@pytest.mark.parametrize("text", ["120385-12342", "12038512342", " 120385-12342 "])
def test_example_code_of_rules_md_is_valid_with_or_without_hyphen(text: str) -> None:
    assert normalize_personal_code(text) == "12038512342"


def test_example_code_gives_its_birth_date() -> None:
    assert birth_date_from_personal_code("120385-12342") == date(1985, 3, 12)


@pytest.mark.parametrize(
    "birth", [date(1899, 12, 31), date(1985, 3, 12), date(2001, 1, 30), date(2016, 10, 31)]
)
def test_century_digit_gives_the_century(birth: date) -> None:
    code = old_code(birth)
    assert birth_date_from_personal_code(code) == birth
    assert normalize_personal_code(code) == code.replace("-", "")


def test_birthday_on_29_february_of_a_leap_year_is_valid() -> None:
    assert birth_date_from_personal_code(old_code(date(1984, 2, 29))) == date(1984, 2, 29)


def test_wrong_check_digit_is_named() -> None:
    with pytest.raises(InvalidPersonalCode, match="wrong check digit 3, expected 2"):
        normalize_personal_code("120385-12343")


@pytest.mark.parametrize(
    ("text", "shown"), [("310285-12342", "310285"), ("290285-12342", "290285")]
)
def test_a_date_that_does_not_exist_is_named(text: str, shown: str) -> None:
    with pytest.raises(InvalidPersonalCode, match=f"not a real date {shown}"):
        normalize_personal_code(text)


def test_month_thirteen_is_not_a_real_date() -> None:
    with pytest.raises(InvalidPersonalCode, match="not a real date 121385"):
        normalize_personal_code("121385-12342")


def test_century_digit_above_two_is_named() -> None:
    with pytest.raises(InvalidPersonalCode, match="century digit must be 0, 1 or 2, got 5"):
        normalize_personal_code("120385-52342")


@pytest.mark.parametrize(
    ("text", "count"), [("120385123", 9), ("1203851234", 10), ("120385123421", 12)]
)
def test_wrong_length_is_named(text: str, count: int) -> None:
    with pytest.raises(InvalidPersonalCode, match=f"must have 11 digits, got {count}"):
        normalize_personal_code(text)


@pytest.mark.parametrize("text", ["12038S-12342", "1203-8512342", "120385 12342", "١٢٠٣٨٥١٢٣٤٢"])
def test_letters_and_misplaced_separators_are_rejected(text: str) -> None:
    with pytest.raises(InvalidPersonalCode, match="11 digits"):
        normalize_personal_code(text)


@pytest.mark.parametrize("text", ["32867300679", "328673-00677", "39000000000", "320000-00000"])
def test_new_format_code_has_no_birth_date_and_no_check_digit(text: str) -> None:
    digits = normalize_personal_code(text)
    assert digits == text.replace("-", "")
    assert birth_date_from_personal_code(text) is None


@pytest.mark.parametrize("text", ["40003521600", "99999999999", "450385-12342"])
def test_new_format_code_must_start_with_32_to_39(text: str) -> None:
    with pytest.raises(InvalidPersonalCode, match="new-format code must start with 32–39"):
        normalize_personal_code(text)


def test_old_format_day_30_or_31_is_not_mistaken_for_the_new_format() -> None:
    code = old_code(date(1990, 1, 31))
    assert code.startswith("31")
    assert birth_date_from_personal_code(code) == date(1990, 1, 31)


def test_invalid_personal_code_is_a_value_error() -> None:
    assert issubclass(InvalidPersonalCode, ValueError)


def test_printed_form_has_the_hyphen_after_six_digits() -> None:
    assert format_personal_code("12038512342") == "120385-12342"


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_stdnum_check_digit_is_the_formula_of_rules_md(first_ten: str) -> None:
    assert check_digit(first_ten) == rules_md_check_digit(first_ten)


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)), st.integers(0, 999))
def test_every_real_birth_date_makes_a_valid_old_code(birth: date, serial: int) -> None:
    code = old_code(birth, f"{serial:03d}")
    assert normalize_personal_code(code) == code.replace("-", "")
    assert birth_date_from_personal_code(code) == birth
