"""A month's entries from CSV: the columns of the paper form (rules.md §7.1).

Columns, in this order or named in a header row: date, from, to, activity, and an optional
note. Latvian header names are accepted too (datums, no, līdz, darbība, piezīme). Dates as
``2026-11-03`` or ``03.11.2026``; times as ``08:00`` (``24:00`` and ``00:00`` as an end
both mean midnight). Every bad cell is named by its line: ``line 4: to``.
"""

from __future__ import annotations

import csv
import io
from datetime import date, time

from services.timesheets.domain.entries import EntryInput
from services.timesheets.domain.errors import FieldError, InvalidCommand

COLUMNS = ("date", "from", "to", "activity", "note")
ALIASES = {
    "date": "date",
    "datums": "date",
    "day": "date",
    "from": "from",
    "no": "from",
    "start": "from",
    "to": "to",
    "līdz": "to",
    "lidz": "to",
    "end": "to",
    "activity": "activity",
    "darbība": "activity",
    "darbiba": "activity",
    "note": "note",
    "piezīme": "note",
    "piezīmes": "note",
}
MAX_BYTES = 200_000


def _day(text: str) -> date:
    try:
        if "." in text:
            day, month, year = text.split(".")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("a date as 2026-11-03 or 03.11.2026") from None


def _time(text: str) -> time:
    if text in ("24:00", "24.00"):
        return time(0, 0)
    hours, sep, minutes = text.replace(".", ":").partition(":")
    try:
        if not sep or len(minutes) != 2:
            raise ValueError(text)
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError("a time as 08:00") from None


def _header(row: list[str]) -> list[str] | None:
    names = [ALIASES.get(cell.strip().lower()) for cell in row]
    if names and names[0] is not None and all(n is not None for n in names if n):
        return [n or "" for n in names]
    return None


def parse_csv(text: str) -> list[EntryInput]:
    """The entries of a CSV text, or ``InvalidCommand`` naming each bad line and column."""
    if len(text.encode()) > MAX_BYTES:
        raise InvalidCommand([FieldError("(body)", f"at most {MAX_BYTES} bytes")])
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))
    columns = list(COLUMNS)
    entries: list[EntryInput] = []
    errors: list[FieldError] = []
    for line, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if line == 1 and (named := _header(cells)) is not None:
            missing = {"date", "from", "to", "activity"} - set(named)
            if missing:
                errors.append(
                    FieldError("line 1", f"missing columns: {', '.join(sorted(missing))}")
                )
            columns = named
            continue
        values = dict(zip(columns, cells, strict=False))
        entry, bad = _entry(values)
        errors += [FieldError(f"line {line}: {column}", message) for column, message in bad]
        if entry is not None:
            entries.append(entry)
    if errors:
        raise InvalidCommand(errors)
    if not entries:
        raise InvalidCommand([FieldError("(body)", "no entries in the CSV")])
    return entries


def _entry(values: dict[str, str]) -> tuple[EntryInput | None, list[tuple[str, str]]]:
    bad: list[tuple[str, str]] = []
    parsed: dict[str, object] = {}
    for column, parse in (("date", _day), ("from", _time), ("to", _time)):
        try:
            parsed[column] = parse(values.get(column, ""))
        except ValueError as error:
            bad.append((column, f"{values.get(column, '')!r} is not {error}"))
    activity = values.get("activity", "")
    if not activity:
        bad.append(("activity", "must name an activity"))
    if bad:
        return None, bad
    return (
        EntryInput(
            day=parsed["date"],  # type: ignore[arg-type]
            start=parsed["from"],  # type: ignore[arg-type]
            end=parsed["to"],  # type: ignore[arg-type]
            activity=activity,
            note=values.get("note", ""),
        ),
        [],
    )
