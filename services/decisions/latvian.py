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
