"""Downloads of a month: CSV and XLSX with Latvian labels, and the open-data export.

Every download is published material, so every figure in it passes ``disclosure``: small
counts are ``<5``, the amounts of a few persons ``c``. The open data is a Frictionless
Data Package: ``datapackage.json`` with a Table Schema whose ``missingValues`` declare the
two flags, beside a plain CSV (UTF-8, comma, decimal point, English field names).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from services.reporting.disclosure import (
    CONFIDENTIAL,
    SMALL,
    published,
    published_reasons,
    published_table,
    shown_count,
)
from services.reporting.metrics import BY_NAME, METRICS, Kind
from services.reporting.summary import Figures, combine
from services.reporting.views import Reconciliation, municipality_ref

MONTH, ATVK, NAME, SLUG = "Mēnesis", "ATVK kods", "Pašvaldība", "Identifikators"
NATIONAL = "Latvija kopā"
STATUS_LABELS = {
    "on_time": "iesniegts laikā",
    "late": "iesniegts novēloti",
    "missing": "nav iesniegts, termiņš pagājis",
    "not_due": "vēl nav iesniegts",
}
NOTE = (
    "Skaits no 1 līdz 4 parādīts kā <5; stundas, summas un dienas, kas attiecas uz 1–4 "
    "personām, parādītas kā c (konfidenciāli)."
)


def municipality_table(month: str, cells: dict[str, Figures]) -> list[list[str]]:
    """Header and one row per municipality, then the national total (Latvian labels)."""
    header = [MONTH, ATVK, NAME, *(metric.label for metric in METRICS)]
    rows = [header]
    for slug, shown in published_table(cells).items():
        ref = municipality_ref(slug)
        rows.append([month, ref["atvk"], ref["name"], *(shown[m.name] for m in METRICS)])
    total = published(combine(cells.values()))
    rows.append([month, "", NATIONAL, *(total[m.name] for m in METRICS)])
    return rows


def national_table(month: str, cells: dict[str, Figures]) -> list[list[str]]:
    total = combine(cells.values())
    shown = published(total)
    rows = [["Rādītājs", f"{NATIONAL}, {month}"]]
    rows += [[metric.label, shown[metric.name]] for metric in METRICS]
    rows += [
        [f"Atteikuma iemesls: {reason}", count]
        for reason, count in published_reasons(total).items()
    ]
    return rows


def reconciliation_table(checks: Sequence[Reconciliation]) -> list[list[str]]:
    rows = [
        [
            ATVK,
            NAME,
            "Atskaites statuss",
            "Iesniegta",
            "Atšķirības",
            "Rādītājs",
            "Atskaitē",
            "Pēc notikumiem",
            "Izmaksas atbilst stundām × likmei",
        ]
    ]
    for check in checks:
        view = check.as_json()
        shown = published(check.own)
        payments = view["payments"]
        paid_ok = "" if payments is None else ("jā" if payments["matches"] else "nē")
        base = [
            view["atvk"],
            view["name"],
            STATUS_LABELS[view["status"]],
            view["submitted_on"] or "",
            str(len(view["differences"])),
        ]
        if not view["differences"]:
            rows.append([*base, "", "", "", paid_ok])
        for diff in view["differences"]:
            # Both sides as published: counts "<5", the amounts of a few persons "c".
            name = _BY_REPORT_FIELD[diff["field"]]
            rows.append(
                [
                    *base,
                    diff["field"],
                    _published_number(name, diff["reported"], shown),
                    _published_number(name, diff["computed"], shown),
                    paid_ok,
                ]
            )
    return rows


_BY_REPORT_FIELD = {m.report_field: m.name for m in METRICS if m.report_field}


def _published_number(name: str, value: Any, shown: dict[str, str]) -> str:
    if BY_NAME[name].is_count:
        return shown_count(int(value))
    return CONFIDENTIAL if shown[name] == CONFIDENTIAL else str(value)


def csv_bytes(rows: list[list[str]], *, for_spreadsheets: bool = False) -> bytes:
    """RFC 4180 CSV in UTF-8; with a byte-order mark when meant for spreadsheets (Excel
    reads UTF-8 without one as the local code page and garbles "ā", "ņ", "š")."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if for_spreadsheets else "utf-8")


def xlsx_bytes(month: str, cells: dict[str, Figures], checks: Sequence[Reconciliation]) -> bytes:
    """The month's workbook: sheets national, per municipality and reconciliation."""
    book = Workbook()
    sheets = (
        ("Valsts", national_table(month, cells)),
        ("Pašvaldības", municipality_table(month, cells)),
        ("Salīdzināšana", reconciliation_table(checks)),
    )
    for index, (title, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        for row in rows:
            sheet.append([_cell(value) for value in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        sheet.append([])
        sheet.append([NOTE])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: str) -> str | int | float:
    """Numbers as numbers, so a spreadsheet can sum them; flags and labels as text."""
    try:
        return int(value)
    except ValueError:
        pass
    try:
        # Two-decimal amounts: a float holds them exactly enough for display and sums.
        return float(value) if value.replace(".", "", 1).lstrip("-").isdigit() else value
    except ValueError:
        return value


# --- open data -------------------------------------------------------------------------------

OPEN_FIELDS_HEAD = ("month", "atvk_code", "municipality")


def open_data_rows(month: str, cells: dict[str, Figures]) -> list[list[str]]:
    rows = [[*OPEN_FIELDS_HEAD, *(metric.name for metric in METRICS)]]
    for slug, shown in published_table(cells).items():
        ref = municipality_ref(slug)
        rows.append([month, ref["atvk"], ref["name"], *(shown[m.name] for m in METRICS)])
    return rows


def _field_type(kind: Kind) -> dict[str, Any]:
    if kind in (Kind.PEOPLE, Kind.EVENTS):
        return {"type": "integer", "constraints": {"minimum": 0}}
    return {"type": "number"}


def datapackage(month: str, csv_name: str) -> dict[str, Any]:
    """Frictionless Data Package descriptor of the month's open-data CSV."""
    fields: list[dict[str, Any]] = [
        {"name": "month", "type": "yearmonth", "title": MONTH},
        {
            "name": "atvk_code",
            "type": "string",
            "title": ATVK,
            "description": "Administratīvo teritoriju un teritoriālo vienību klasifikators",
        },
        {"name": "municipality", "type": "string", "title": NAME},
    ]
    fields += [
        {"name": metric.name, "title": metric.label, **_field_type(metric.kind)}
        for metric in METRICS
    ]
    return {
        "profile": "tabular-data-package",
        "name": f"asistenta-pakalpojums-{month}",
        "title": f"Asistenta pakalpojums pašvaldībā, {month}",
        "description": "Labklājības ministrijas kopsavilkums pa pašvaldībām. " + NOTE,
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": [
            {
                "name": "asistenta-pakalpojums",
                "path": csv_name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": fields,
                    "missingValues": ["", SMALL, CONFIDENTIAL],
                    "primaryKey": ["month", "atvk_code"],
                },
            }
        ],
    }
