"""Reconciliation with the municipalities' reports, late reports, payments against hours ×
rate; ``rebuild`` from the streams; and a durable that acknowledged history unhandled."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.reporting import api_models as models
from services.reporting import rebuild as rebuild_command
from services.reporting.replay import rebuild
from shared.bus.provisioning import ensure_service_stream
from shared.events.envelope import Envelope
from shared.settings import Settings
from tests.conftest import ServiceFactory
from tests.integration.test_reporting_figures import november
from tests.integration.test_reporting_support import (
    MINISTRY,
    caught_up,
    envelope,
    national,
    publish_all,
    reporting_db,
    start_reporting,
)
from tests.unit.reporting import builders as b

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


async def get(client: httpx.AsyncClient, path: str, **params: str) -> dict[str, Any]:
    reply = await client.get(path, headers=MINISTRY, params=params)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def reports() -> list[Envelope]:
    """Daugavpils reports November on time, one figure off; Ludza reports late."""
    dgp = b.report(
        "2026-11",
        date(2026, 12, 10),
        applications_received=5,  # the events say 6
        applications_granted=2,
        applications_refused=1,
        applications_decided_late=1,
    )
    ludza = b.report("2026-11", date(2026, 12, 18), applications_received=1)
    return [
        envelope(dgp, known_on=date(2026, 12, 10)),
        envelope(ludza, "ludza", known_on=date(2026, 12, 18)),
    ]


async def test_reports_are_reconciled_and_late_or_missing_ones_listed(
    start_service: ServiceFactory, js: JetStreamContext
) -> None:
    reporting = await start_reporting(start_service, js)
    await publish_all(js, [*november(), *reports()], copies=3)
    await caught_up(reporting)

    listed = await get(reporting, "/national/reconciliation", month="2026-11")
    assert [item["municipality"] for item in listed["items"]] == ["daugavpils"]
    (dgp,) = listed["items"]
    assert dgp["differences"] == [
        {"field": "applications_received", "reported": 5, "computed": 6, "difference": -1}
    ]
    assert dgp["status"] == "on_time" and dgp["submitted_on"] == "2026-12-10"
    everything = await get(
        reporting, "/national/reconciliation", month="2026-11", only_differences="false"
    )
    ludza = next(i for i in everything["items"] if i["municipality"] == "ludza")
    assert ludza["matches"] is True and ludza["status"] == "late"
    # As known before the reports came, nothing was submitted.
    before = await get(reporting, "/national/reconciliation", month="2026-11", as_of="2026-12-05")
    assert before["items"] == []

    late = await get(reporting, "/national/late-reports", as_of="2026-12-20")
    assert [
        (i["municipality"], i["month"], i["status"], i["days_late"]) for i in late["items"]
    ] == [("ludza", "2026-11", "late", 3)]
    on_the_16th = await get(reporting, "/national/late-reports", as_of="2026-12-16")
    assert [(i["municipality"], i["status"]) for i in on_the_16th["items"]] == [
        ("ludza", "missing")
    ]
    on_the_15th = await get(reporting, "/national/late-reports", as_of="2026-12-15")
    assert on_the_15th["items"] == []

    # The OpenAPI description tells the truth: every answer fits its declared model.
    models.ReconciliationListOut.model_validate(everything)
    models.LateReportsOut.model_validate(late)
    models.MonthOut.model_validate(await national(reporting, "2026-12"))
    models.MonthsOut.model_validate(await get(reporting, "/national/months"))
    models.MunicipalityMonthsOut.model_validate(
        await get(reporting, "/national/municipalities/daugavpils/months")
    )
    models.PaymentMismatchesOut.model_validate(await get(reporting, "/national/payment-mismatches"))
    models.StatusOut.model_validate(await get(reporting, "/national/status"))


async def test_payments_that_do_not_match_approved_hours_times_rate_are_listed(
    start_service: ServiceFactory, js: JetStreamContext
) -> None:
    reporting = await start_reporting(start_service, js)
    assistant, sheet, case = b.new_id(), b.new_id(), b.new_id()
    days = b.approved_days("2026-10", ["10"])  # 10 h × 5.11 = 51.10
    await publish_all(
        js,
        [
            envelope(b.timesheet_approved(sheet, assistant, case, "2026-10", days), "ludza"),
            envelope(b.payment_issued(assistant, "2026-10", "10", "60.00"), "ludza"),
            envelope(b.timesheet_approved(b.new_id(), "x", case, "2026-10", days)),
            envelope(b.payment_issued("x", "2026-10", "10", "51.10")),
        ],
    )
    await caught_up(reporting)
    mismatches = await get(reporting, "/national/payment-mismatches")
    assert [
        (i["municipality"], i["month"], i["expected"], i["paid"], i["difference"])
        for i in mismatches["items"]
    ] == [("ludza", "2026-10", "51.10", "60.00", "8.90")]


async def test_rebuild_from_the_streams_gives_identical_figures(
    start_service: ServiceFactory, js: JetStreamContext, settings: Settings
) -> None:
    reporting = await start_reporting(start_service, js)
    await publish_all(js, [*november(), *reports()], copies=2)
    await caught_up(reporting)
    async with reporting_db(settings) as conn:
        before = await figure_table(conn)
        answers = [await national(reporting, m) for m in ("2026-11", "2026-12", "2027-06")]
        applied = await rebuild(conn, js)
        after = await figure_table(conn)
    assert applied == len(november()) + 2 - 1  # the assistant's registration is not used
    assert before and after == before
    assert [await national(reporting, m) for m in ("2026-11", "2026-12", "2027-06")] == answers
    # The operator's command (python -m services.reporting.rebuild) does the same.
    assert await rebuild_command.run(settings) == applied
    async with reporting_db(settings) as conn:
        assert await figure_table(conn) == before


async def figure_table(conn: Any) -> list[tuple[Any, ...]]:
    rows = await conn.fetch(
        "select municipality, month, metric, key, known_on, sum(value) from figure_rows"
        " group by 1, 2, 3, 4, 5 having sum(value) <> 0 order by 1, 2, 3, 4, 5"
    )
    reports = await conn.fetch(
        "select municipality, month, submitted_on, known_on, figures::text from monthly_reports"
        " order by 1, 2, 3"
    )
    return [tuple(r) for r in rows] + [tuple(r) for r in reports]


async def test_history_acknowledged_by_an_earlier_durable_still_reaches_the_handlers(
    start_service: ServiceFactory, js: JetStreamContext
) -> None:
    """Issue 18: the reporting durables of the skeleton acknowledged every event without a
    handler. Their history must still be counted once the handlers ship."""
    for service in ("intake", "decisions", "timesheets", "payments"):
        await ensure_service_stream(js, service)
    old = [envelope(b.submitted(b.new_id(), date(2026, 11, 2))) for _ in range(3)]
    await publish_all(js, old)
    # The skeleton's durable, as it was provisioned, acknowledges all three.
    subject = "asist.*.intake.>"
    durable = await js.pull_subscribe(
        subject,
        durable="reporting-INTAKE",
        stream="INTAKE",
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            filter_subject=subject,
            max_deliver=5,
        ),
    )
    for msg in await durable.fetch(3, timeout=5):
        await msg.ack_sync()
    await durable.unsubscribe()

    reporting = await start_reporting(start_service, js)
    await publish_all(js, [envelope(b.submitted(b.new_id(), date(2026, 11, 3)))])
    for _ in range(100):
        body = await national(reporting, "2026-11")
        if body["municipalities"] and body["national"]["applications_received"] == 4:
            break
        await asyncio.sleep(0.1)
    assert body["national"]["applications_received"] == 4
    assert Decimal(4) == Decimal(body["national"]["applications_received"])
    # The durable now receives only what the figures use (issue 18, point 6).
    info = await js.consumer_info("INTAKE", "reporting-INTAKE")
    assert info.config.filter_subjects == ["asist.*.intake.ApplicationSubmitted"]
