"""The monthly report as files for the ministry: CSV and an XLSX workbook (openpyxl).

Latvian labels as the ministry's report form uses them; one sheet per section in the
workbook. Figures only (rules.md §9).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from shared.contracts.payments import MonthlyFigures
from shared.municipalities import Municipality

# (sheet, field, Latvian label) in the order of the form.
SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Klienti",
        (
            ("clients_served_adults", "Pakalpojumu saņēmušās pilngadīgās personas"),
            ("clients_served_children", "Pakalpojumu saņēmušie bērni"),
            ("clients_served_vision", "T. sk. personas ar I grupas redzes invaliditāti"),
            ("assistants_paid", "Asistenti, kuriem veikta samaksa"),
        ),
    ),
    (
        "Stundas",
        (
            ("hours_granted", "Piešķirtās stundas"),
            ("hours_approved", "Apstiprinātās (nostrādātās) stundas"),
            ("hours_paid", "Apmaksātās stundas"),
        ),
    ),
    (
        "Finansējums",
        (
            ("gross", "Asistentu bruto darba samaksa, EUR"),
            ("employer_contributions", "Darba devēja VSAOI, EUR"),
            ("total", "Kopā izmaksāts, EUR"),
            ("administration_amount", "Administrēšanas izdevumi (līdz 0,26 EUR/h), EUR"),
        ),
    ),
    (
        "Iesniegumi",
        (
            ("applications_received", "Saņemtie iesniegumi"),
            ("applications_granted", "Lēmumi par pakalpojuma piešķiršanu"),
            ("applications_refused", "Lēmumi par atteikumu"),
            ("applications_decided_late", "Lēmumi, kas pieņemti pēc termiņa"),
        ),
    ),
)


def _value(figures: MonthlyFigures, name: str) -> int | Decimal:
    value: int | Decimal = getattr(figures, name)
    return value


def report_csv(municipality: Municipality, month: str, figures: MonthlyFigures) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Pašvaldība", municipality.name])
    writer.writerow(["ATVK kods", municipality.atvk])
    writer.writerow(["Mēnesis", month])
    writer.writerow(["Sadaļa", "Rādītājs", "Vērtība"])
    for sheet, rows in SECTIONS:
        for name, label in rows:
            writer.writerow([sheet, label, str(_value(figures, name))])
    # UTF-8 with a byte-order mark, so spreadsheet programs read the Latvian letters.
    return ("\ufeff" + out.getvalue()).encode()


def report_xlsx(municipality: Municipality, month: str, figures: MonthlyFigures) -> bytes:
    workbook = Workbook()
    cover = workbook.active
    assert isinstance(cover, Worksheet)  # a new workbook always has one worksheet
    cover.title = "Pārskats"
    cover.append(["Pārskats par asistenta pakalpojuma valsts finansējuma izlietojumu"])
    cover.append(["Pašvaldība", municipality.name])
    cover.append(["ATVK kods", municipality.atvk])
    cover.append(["Mēnesis", month])
    for sheet_name, rows in SECTIONS:
        sheet = workbook.create_sheet(sheet_name)
        sheet.append(["Rādītājs", "Vērtība"])
        for name, label in rows:
            value = _value(figures, name)
            sheet.append([label, value])  # openpyxl writes a Decimal as a number
            if isinstance(value, Decimal):
                sheet.cell(row=sheet.max_row, column=2).number_format = "0.00"
        sheet.column_dimensions["A"].width = 55
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
