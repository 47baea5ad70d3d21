"""Latvian number and date style of the decision documents (legal.md §7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def hours_lv(value: Decimal) -> str:
    """Latvian number style: a decimal comma, no trailing zeros (20; 18,46)."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f").replace(".", ",")


def date_lv(day: date) -> str:
    """Latvian style, with the ordinal dot: 01.12.2026. (a sentence ending in it adds none)."""
    return day.strftime("%d.%m.%Y.")


def hours_text(value: Decimal, *, accusative: bool = False) -> str:
    """A number of hours with the noun agreeing (legal.md §7): 1 stunda, 22 stundas,
    80 stundu, 18,5 stundas; in an accusative slot ("piešķirt …") 1 stundu, 21 stundu."""
    number = hours_lv(value)
    if value != value.to_integral_value():
        return f"{number} stundas"  # a decimal fraction: genitive singular
    whole = int(value)
    if whole % 10 == 1 and whole % 100 != 11:
        return f"{number} {'stundu' if accusative else 'stunda'}"
    if 2 <= whole % 10 <= 9 and not 12 <= whole % 100 <= 19:
        return f"{number} stundas"
    return f"{number} stundu"  # last digit 0, or 11–19: genitive plural
