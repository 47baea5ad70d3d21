"""Latvian personal codes, *personas kods* (rules.md §10)."""

from datetime import date

from stdnum.lv.pvn import calc_check_digit_pers

from shared.rules.errors import InvalidPersonalCode

# rules.md §10: the century digit of an old-format code.
_CENTURIES = {"0": 1800, "1": 1900, "2": 2000}


def _digits(code: str) -> str:
    text = code.strip()
    if len(text) == 12 and text[6] == "-":
        # rules.md §10: the hyphen is optional, and only after the birth date DDMMYY.
        text = text[:6] + text[7:]
    if not text.isascii() or not text.isdigit():
        raise InvalidPersonalCode(
            f"must be 11 digits with an optional hyphen after the sixth, got {code!r}"
        )
    if len(text) != 11:
        raise InvalidPersonalCode(f"must have 11 digits, got {len(text)}")
    return text


def is_new_format(digits: str) -> bool:
    """rules.md §10: since 1 July 2017, codes start with 3 and a second digit 2–9.

    An old-format code also starts with 3 for a birthday on the 30th or 31st, but then its
    second digit is 0 or 1; that is what tells the formats apart.
    """
    return digits[0] == "3" and digits[1] in "23456789"


def check_digit(first_ten: str) -> str:
    """rules.md §10: X = (1101 − Σ wᵢ·dᵢ) mod 11 mod 10, weights 1,6,3,7,9,10,5,8,4,2.

    python-stdnum computes the same digit with the negated weights (10,5,8,4,2,1,6,3,7,9 and
    1 + Σ, since 1101 ≡ 1 and −w ≡ 11 − w mod 11); a test proves the two agree.
    """
    return str(calc_check_digit_pers(first_ten))


def _old_format_birth_date(digits: str) -> date:
    century = _CENTURIES.get(digits[6])
    if century is None:
        raise InvalidPersonalCode(f"century digit must be 0, 1 or 2, got {digits[6]}")
    try:
        return date(century + int(digits[4:6]), int(digits[2:4]), int(digits[0:2]))
    except ValueError:
        raise InvalidPersonalCode(f"not a real date {digits[:6]}") from None


def normalize_personal_code(code: str) -> str:
    """The 11 digits of a valid personal code, either format; else `InvalidPersonalCode`.

    Old format `DDMMYY-CNNNX`: the date must be real, the century digit 0–2, the check
    digit right. New format (rules.md §10): 11 digits starting 32–39, no date, no check digit.
    Decision (docs/rules.md): stdnum's `lv.pvn` also checks a digit on new codes starting
    `32` and rejects 33–39; rules.md §10 says new codes have no check digit, so we do not.
    """
    digits = _digits(code)
    if is_new_format(digits):
        return digits
    if digits[0] > "3":
        raise InvalidPersonalCode(
            f"new-format code must start with 32–39, got {digits[:2]} "
            "(and an old-format code starts with its day of birth, 01–31)"
        )
    _old_format_birth_date(digits)
    expected = check_digit(digits[:10])
    if digits[10] != expected:
        raise InvalidPersonalCode(f"wrong check digit {digits[10]}, expected {expected}")
    return digits


def format_personal_code(code: str) -> str:
    """The usual printed form `DDMMYY-NNNNN` of a valid code."""
    digits = normalize_personal_code(code)
    return f"{digits[:6]}-{digits[6:]}"


def birth_date_from_personal_code(code: str) -> date | None:
    """The birth date of an old-format code; None for a new-format code (rules.md §10)."""
    digits = normalize_personal_code(code)
    if is_new_format(digits):
        return None
    return _old_format_birth_date(digits)
