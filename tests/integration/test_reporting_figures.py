"""The national view from the events of every service: figures, history, 3× delivery, access.

Real NATS and PostgreSQL: the events are published on the producers' streams and reach the
reporting service through its durable consumers.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from nats.js import JetStreamContext
from openpyxl import load_workbook

from shared.events.envelope import Envelope
from shared.municipalities import MUNICIPALITIES
from shared.rules.vocabulary import AgeGroup, RefusalReason, Unit
from tests.conftest import ServiceFactory, auth
from tests.integration.test_reporting_support import (
    MINISTRY,
    caught_up,
    envelope,
    national,
    of,
    publish_all,
    start_reporting,
)
from tests.unit.reporting import builders as b

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]

NOV_20, NOV_25, DEC_1 = date(2026, 11, 20), date(2026, 11, 25), date(2026, 12, 1)


def november() -> list[Envelope]:
    """Daugavpils: six applications, two grants (one late), a refusal, a withdrawal;
    Ludza: one application. Hours and pay of the first client's December."""
    cases = [b.new_id() for _ in range(6)]
    events = [
        envelope(b.submitted(case, date(2026, 11, 2 + i)), known_on=date(2026, 11, 2 + i))
        for i, case in enumerate(cases)
    ]
    a, c, d, e = cases[0], cases[1], cases[2], cases[3]
    events += [
        envelope(b.opened(a, date(2026, 11, 2)), known_on=date(2026, 11, 2)),
        envelope(
            b.granted(a, decided_on=NOV_20, start=DEC_1, end=date(2027, 6, 30)),
            known_on=NOV_20,
        ),
        envelope(b.opened(c, date(2026, 11, 3)), known_on=date(2026, 11, 3)),
        envelope(
            b.granted(
                c,
                decided_on=NOV_25,
                start=DEC_1,
                end=date(2027, 6, 30),
                hours="100",
                unit=Unit.MONTH,
                age_group=AgeGroup.CHILD,
                late=True,
            ),
            known_on=NOV_25,
        ),
        envelope(b.opened(d, date(2026, 11, 4)), known_on=date(2026, 11, 4)),
        envelope(
            b.refused(
                d, decided_on=date(2026, 11, 24), reasons=[RefusalReason.NOT_SEVERE_DISABILITY]
            ),
            known_on=date(2026, 11, 24),
        ),
        envelope(b.closed(e, date(2026, 11, 16)), known_on=date(2026, 11, 16)),
        envelope(b.assistant_registered(b.new_id())),  # personal data: must leave no trace
        envelope(b.submitted(b.new_id(), date(2026, 11, 9)), "ludza", known_on=date(2026, 11, 9)),
    ]
    assistant, sheet = b.new_id(), b.new_id()
    days = b.approved_days("2026-12", ["8", "8", "4"])  # 20 h × 5.11 = 102.20
    events += [
        envelope(b.timesheet_submitted(sheet, assistant, a, "2026-12", "22")),
        envelope(b.timesheet_approved(sheet, assistant, a, "2026-12", days)),
        envelope(b.payment_issued(assistant, "2026-12", "20", "102.20", case_id=a)),
    ]
    return events


async def test_figures_of_every_service_are_exact_under_three_fold_delivery(
    start_service: ServiceFactory, js: JetStreamContext
) -> None:
    reporting = await start_reporting(start_service, js)
    await publish_all(js, november(), copies=3)
    await caught_up(reporting)

    body = await national(reporting, "2026-11")
    dgp = of(body, "daugavpils")
    assert dgp["applications_received"] == 6
    assert dgp["applications_granted"] == 2
    assert dgp["applications_refused"] == 1
    assert dgp["refused_by_reason"] == {"NOT_SEVERE_DISABILITY": 1}
    assert dgp["applications_withdrawn"] == 1
    assert dgp["applications_decided_late"] == 1
    # Days from receipt to decision: 18, 22, 20.
    assert dgp["decision_days_median"] == "20.0"
    assert dgp["decision_days_p90"] == "22"
    assert of(body, "ludza")["applications_received"] == 1
    assert body["national"]["applications_received"] == 7
    codes = [MUNICIPALITIES["daugavpils"].atvk, MUNICIPALITIES["ludza"].atvk]
    assert [m["atvk"] for m in body["municipalities"]] == codes

    december = of(await national(reporting, "2026-12"), "daugavpils")
    assert december["clients_active"] == 2
    assert december["clients_adults"] == 1 and december["clients_children"] == 1
    # 27 h/week × 31/7 = 119.57, plus the child's 100 h/month.
    assert december["hours_granted"] == "219.57"
    assert december["hours_reported"] == "22.00"
    assert december["hours_approved"] == "20.00"
    assert december["hours_paid"] == "20.00"
    assert december["amount_expected"] == "102.20"
    assert december["paid_total"] == "102.20"
    assert Decimal(december["paid_gross"]) + Decimal(
        december["paid_employer_contributions"]
    ) == Decimal("102.20")
    assert december["administration_amount"] == "5.20"  # 20 h × 0.26 (rules.md §8.2)
    assert december["clients_served"] == 1 and december["clients_served_adults"] == 1
    assert december["assistants_active"] == 1 and december["assistants_paid"] == 1


async def test_figures_keep_their_history_and_answer_as_known_on_a_date(
    start_service: ServiceFactory, js: JetStreamContext
) -> None:
    reporting = await start_reporting(start_service, js)
    case = b.new_id()
    await publish_all(
        js,
        [
            envelope(b.submitted(b.new_id(), date(2026, 11, 2)), known_on=date(2026, 11, 2)),
            envelope(
                b.granted(case, decided_on=NOV_20, start=DEC_1, end=date(2027, 6, 30)),
                known_on=NOV_20,
            ),
            # Late: an application of November recorded in December, then a termination.
            envelope(b.submitted(b.new_id(), date(2026, 11, 30)), known_on=date(2026, 12, 10)),
            envelope(b.terminated(case, 2, date(2027, 3, 1)), known_on=date(2026, 12, 20)),
        ],
    )
    await caught_up(reporting)

    assert (
        of(await national(reporting, "2026-11", date(2026, 12, 1)), "daugavpils")[
            "applications_received"
        ]
        == 1
    )
    assert of(await national(reporting, "2026-11"), "daugavpils")["applications_received"] == 2
    assert (
        of(await national(reporting, "2027-03", date(2026, 12, 19)), "daugavpils")["clients_active"]
        == 1
    )
    march = of(await national(reporting, "2027-03"), "daugavpils")
    assert march["clients_active"] == 0 and march["terminations"] == 1
    assert (await national(reporting, "2026-11", date(2026, 11, 1)))["municipalities"] == []

    known = await reporting.get(
        "/national/months", headers=MINISTRY, params={"as_of": "2026-11-10"}
    )
    assert known.json()["months"] == ["2026-11"]
    months = await reporting.get(
        "/national/municipalities/daugavpils/months",
        headers=MINISTRY,
        params={"as_of": "2026-12-19", "from": "2027-02", "to": "2027-03"},
    )
    assert months.status_code == 200
    assert [m["month"] for m in months.json()["months"]] == ["2027-02", "2027-03"]


async def test_only_the_ministry_reads_and_bad_input_names_the_field(
    start_service: ServiceFactory, js: JetStreamContext
) -> None:
    reporting = await start_reporting(start_service, js)
    caseworker = await reporting.get("/national/months/2026-11", headers=auth("dgp-caseworker"))
    assert caseworker.status_code == 403
    assert caseworker.headers["content-type"] == "application/problem+json"
    finance = await reporting.get("/national/reconciliation", headers=auth("dgp-finance"))
    assert finance.status_code == 403
    assert (await reporting.get("/national/months/2026-11")).status_code == 401
    bad = await reporting.get("/national/months/2026-13", headers=MINISTRY)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"
    bad_date = await reporting.get(
        "/national/months/2026-11", headers=MINISTRY, params={"as_of": "yesterday"}
    )
    assert bad_date.status_code == 422 and bad_date.json()["errors"][0]["field"] == "as_of"
    unknown = await reporting.get("/national/municipalities/atlantis/months", headers=MINISTRY)
    assert unknown.status_code == 404
    backwards = await reporting.get(
        "/national/municipalities/ludza/months",
        headers=MINISTRY,
        params={"from": "2026-12", "to": "2026-11"},
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "from"


async def test_downloads_suppress_small_counts_and_the_api_does_not(
    start_service: ServiceFactory, js: JetStreamContext
) -> None:
    reporting = await start_reporting(start_service, js)
    await publish_all(js, november())
    await caught_up(reporting)

    figures_csv = await reporting.get("/national/months/2026-11/figures.csv", headers=MINISTRY)
    assert figures_csv.status_code == 200
    assert figures_csv.headers["content-type"].startswith("text/csv")
    assert figures_csv.content.startswith("\ufeff".encode())  # for spreadsheets
    rows = list(csv.reader(io.StringIO(figures_csv.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["Mēnesis", "ATVK kods", "Pašvaldība"]
    received, granted = header.index("Saņemti iesniegumi"), header.index("Pakalpojums piešķirts")
    by_name = {row[2]: row for row in rows[1:]}
    dgp = by_name["Daugavpils valstspilsētas pašvaldība"]
    # Ludza's 1 is "<5"; Daugavpils' 6 would give it away from the total, so it is "c".
    assert dgp[received] == "c" and dgp[granted] == "<5"
    assert by_name["Ludzas novada pašvaldība"][received] == "<5"
    assert by_name["Latvija kopā"][received] == "7"
    # The ministry's API keeps the exact small figure.
    assert of(await national(reporting, "2026-11"), "ludza")["applications_received"] == 1

    workbook = await reporting.get("/national/months/2026-12/workbook.xlsx", headers=MINISTRY)
    assert workbook.status_code == 200
    assert "attachment" in workbook.headers["content-disposition"]
    book = load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["Valsts", "Pašvaldības", "Salīdzināšana"]
    national_sheet = {row[0]: row[1] for row in book["Valsts"].values if row and row[0]}
    assert national_sheet["Piešķirts: bērni"] == "<5"
    assert national_sheet["Izmaksāts kopā, EUR"] == "c"  # one assistant's pay

    data = await reporting.get("/national/months/2026-11/open-data/data.csv", headers=MINISTRY)
    package = await reporting.get(
        "/national/months/2026-11/open-data/datapackage.json", headers=MINISTRY
    )
    assert package.status_code == 200
    schema = package.json()["resources"][0]["schema"]
    open_rows = list(csv.DictReader(io.StringIO(data.text)))
    assert list(open_rows[0]) == [f["name"] for f in schema["fields"]]
    assert {row["atvk_code"]: row["applications_received"] for row in open_rows} == {
        MUNICIPALITIES["daugavpils"].atvk: "c",
        MUNICIPALITIES["ludza"].atvk: "<5",
    }
