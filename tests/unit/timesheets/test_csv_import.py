"""CSV of the paper form: columns, Latvian headers, line-numbered errors."""

from __future__ import annotations

from datetime import date, time

import pytest

from services.timesheets.domain.csv_import import parse_csv
from services.timesheets.domain.errors import InvalidCommand


def test_plain_columns_without_a_header() -> None:
    entries = parse_csv("2026-11-03,08:00,12:00,work\n2026-11-04,20:00,24:00,institutions\n")
    assert [(e.day, e.start, e.end) for e in entries] == [
        (date(2026, 11, 3), time(8), time(12)),
        (date(2026, 11, 4), time(20), time(0)),
    ]


def test_latvian_header_semicolons_and_dotted_dates() -> None:
    text = "\ufeffDatums;No;Līdz;Darbība;Piezīme\n03.11.2026;08.00;12:30;work;vilciens\n"
    [one] = parse_csv(text)
    assert (one.day, one.end, one.note) == (date(2026, 11, 3), time(12, 30), "vilciens")


def test_every_bad_cell_is_named_by_line_and_column() -> None:
    text = "date,from,to,activity\n2026-11-03,8,12:00,work\n2026-02-30,08:00,25:00,\n"
    with pytest.raises(InvalidCommand) as refused:
        parse_csv(text)
    assert [e.field for e in refused.value.errors] == [
        "line 2: from",
        "line 3: date",
        "line 3: to",
        "line 3: activity",
    ]


def test_an_empty_file_or_a_header_without_columns_is_refused() -> None:
    with pytest.raises(InvalidCommand, match="no entries"):
        parse_csv("\n\n")
    with pytest.raises(InvalidCommand, match="missing columns: to"):
        parse_csv("date,from,activity\n")
