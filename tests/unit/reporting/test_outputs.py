"""Pure outputs: statistics of days, disclosure control, reconciliation, the downloads."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from services.reporting import exports
from services.reporting.disclosure import published
from services.reporting.metrics import METRICS
from services.reporting.queries import SubmittedReport
from services.reporting.reconcile import (
    ReportStatus,
    differences,
    payment_check,
    report_deadline,
    report_status,
)
from services.reporting.summary import Figures, combine, figures_from, median, percentile
from services.reporting.views import reconciliations
from shared.municipalities import MUNICIPALITIES


def cell(**sums: int | str) -> Figures:
    return figures_from([(name, "", Decimal(str(value))) for name, value in sums.items()])


def test_median_and_90th_percentile_from_a_histogram() -> None:
    assert median(Counter({3: 1, 10: 1})) == Decimal("6.5")
    assert median(Counter({3: 2, 10: 1})) == Decimal("3.0")
    days = Counter({d: 1 for d in range(1, 11)})
    assert percentile(days, 90) == 9
    assert percentile(Counter({5: 1}), 90) == 5
    assert median(Counter()) is None and percentile(Counter(), 90) is None


def test_national_statistics_come_from_the_combined_histogram_not_from_medians() -> None:
    a = figures_from([("decision_days", "1", Decimal(3))])
    b = figures_from([("decision_days", "30", Decimal(1))])
    total = combine([a, b])
    assert total.value("decision_days_median") == Decimal("1.0")
    assert total.value("decision_days_p90") == 30


def test_small_counts_are_suppressed_zero_and_five_are_shown() -> None:
    shown = published(cell(applications_received=4, applications_granted=5, clients_active=12))
    assert shown["applications_received"] == "<5"
    assert shown["applications_granted"] == "5"
    assert shown["applications_refused"] == "0"
    assert shown["clients_active"] == "12"


def test_hours_and_money_of_a_few_people_are_confidential() -> None:
    few = published(cell(clients_active=2, hours_granted="119.57", paid_total="100"))
    assert few["hours_granted"] == "c" and few["paid_total"] == "c"
    assert few["clients_active"] == "<5"
    many = published(cell(clients_active=9, assistants_paid=6, paid_total="1234.5"))
    assert many["paid_total"] == "1234.50"


def test_reconciliation_names_every_differing_field_with_both_values() -> None:
    own = cell(applications_received=7, clients_served_adults=5, hours_approved="10.5")
    reported = {"applications_received": 7, "clients_served_adults": 6, "hours_approved": "10.50"}
    found = differences(reported, own)
    assert [(d.field, d.reported, d.computed) for d in found] == [
        ("clients_served_adults", Decimal(6), Decimal(5))
    ]


def test_the_report_is_due_on_the_15th_of_the_next_month() -> None:
    assert report_deadline("2026-11") == date(2026, 12, 15)
    assert report_deadline("2026-12") == date(2027, 1, 15)
    assert report_status("2026-11", date(2026, 12, 15), date(2027, 1, 1)) is ReportStatus.ON_TIME
    assert report_status("2026-11", date(2026, 12, 16), date(2027, 1, 1)) is ReportStatus.LATE
    assert report_status("2026-11", None, date(2026, 12, 15)) is ReportStatus.NOT_DUE
    assert report_status("2026-11", None, date(2026, 12, 16)) is ReportStatus.MISSING


def test_payments_are_checked_against_approved_hours_times_rate_to_a_cent_a_line() -> None:
    exact = payment_check(
        figures_from(
            [
                ("amount_expected", "", Decimal("51.10")),
                ("paid_total", "", Decimal("51.11")),
                ("payment_lines", "", Decimal(1)),
            ]
        )
    )
    assert exact is not None and exact.matches
    off = payment_check(cell(amount_expected="51.10", paid_total="60"))
    assert off is not None and not off.matches and off.difference == Decimal("8.90")
    assert payment_check(cell(clients_active=3)) is None


def test_the_workbook_has_three_sheets_with_latvian_labels_and_suppression() -> None:
    cells = {
        "daugavpils": cell(applications_received=3, clients_active=7),
        "ludza": cell(applications_received=9),
    }
    report = SubmittedReport(
        "ludza", "2026-11", date(2026, 12, 1), date(2026, 12, 1), 1, {"applications_received": 8}
    )
    checks = reconciliations("2026-11", cells, {("ludza", "2026-11"): report}, date(2026, 12, 2))
    book = load_workbook(io.BytesIO(exports.xlsx_bytes("2026-11", cells, checks)))
    assert book.sheetnames == ["Valsts", "Pašvaldības", "Salīdzināšana"]
    municipalities = list(book["Pašvaldības"].values)
    header = municipalities[0]
    column = header.index("Saņemti iesniegumi")
    assert municipalities[1][column] == "<5"  # Daugavpils: 3
    # Ludza's 9 would give Daugavpils' 3 away from the total: hidden as well.
    assert municipalities[2][column] == "c"
    assert municipalities[3][2] == "Latvija kopā" and municipalities[3][column] == 12
    differences_sheet = list(book["Salīdzināšana"].values)
    assert any(row[5] == "applications_received" for row in differences_sheet[1:])


def test_open_data_csv_matches_its_table_schema() -> None:
    cells = {"daugavpils": cell(applications_received=3, clients_active=7)}
    rows = list(
        csv.reader(
            io.StringIO(exports.csv_bytes(exports.open_data_rows("2026-11", cells)).decode())
        )
    )
    package = exports.datapackage("2026-11", "data.csv")
    schema = package["resources"][0]["schema"]
    assert rows[0] == [f["name"] for f in schema["fields"]]
    assert set(schema["missingValues"]) >= {"<5", "c"}
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["atvk_code"] == MUNICIPALITIES["daugavpils"].atvk
    assert row["applications_received"] == "<5"
    for field in schema["fields"]:
        value = row[field["name"]]
        if value in schema["missingValues"]:
            continue
        if field["type"] == "integer":
            int(value)
        elif field["type"] == "number":
            Decimal(value)
    assert len(rows[0]) == 3 + len(METRICS)


def test_complementary_suppression_hides_the_smallest_other_cell_of_a_lone_one() -> None:
    from services.reporting.disclosure import published_table

    table = published_table(
        {
            "a": cell(applications_received=2, applications_granted=7),
            "b": cell(applications_received=30, applications_granted=8),
            "c": cell(applications_received=12, applications_granted=9),
            "d": cell(applications_received=0, applications_granted=3),
        }
    )
    assert [table[m]["applications_received"] for m in "abcd"] == ["<5", "30", "c", "0"]
    assert [table[m]["applications_granted"] for m in "abcd"] == ["c", "8", "9", "<5"]
    two_small = published_table(
        {
            "a": cell(applications_received=2),
            "b": cell(applications_received=3),
            "c": cell(applications_received=40),
        }
    )
    assert [two_small[m]["applications_received"] for m in "abc"] == ["<5", "<5", "40"]


def test_the_reconciliation_sheet_does_not_reveal_a_few_persons_money() -> None:
    own = cell(assistants_paid=1, paid_total="306.60", applications_received=2)
    report = SubmittedReport(
        "ludza",
        "2026-11",
        date(2026, 12, 1),
        date(2026, 12, 1),
        1,
        {"total": "300.00", "applications_received": 3},
    )
    (check,) = reconciliations(
        "2026-11", {"ludza": own}, {("ludza", "2026-11"): report}, date(2026, 12, 2)
    )
    rows = {row[5]: row[6:8] for row in exports.reconciliation_table([check])[1:]}
    assert rows == {"applications_received": ["<5", "<5"], "total": ["c", "c"]}
