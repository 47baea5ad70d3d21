"""The ministry's HTTP API: national figures, one municipality's months, reconciliation.

Every route needs a ``ministry`` token (any other role gets 403) and only reads. JSON
answers are exact (the ministry's own use); the downloads are published material and
suppress small counts (``disclosure.py``). ``?as_of=YYYY-MM-DD`` answers as known at the
end of that Latvian day; without it, as known now.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from services.reporting import api_models as models
from services.reporting import exports, queries
from services.reporting.consumers import durables
from services.reporting.reconcile import ReportStatus, report_deadline
from services.reporting.summary import Figures
from services.reporting.views import (
    Reconciliation,
    figures_json,
    month_json,
    municipality_ref,
    reconciliations,
)
from shared.clock import riga_today
from shared.contracts.timesheets import MONTH_PATTERN
from shared.events.envelope import stream_name
from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.problems import Problem
from shared.municipalities import get_municipality
from shared.runtime import ServiceRuntime

Ministry = Annotated[Principal, Depends(require(Role.MINISTRY))]
Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
Month = Annotated[str, Path(pattern=MONTH_PATTERN, description="YYYY-MM, the month of work")]
MonthQuery = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]
AsOf = Annotated[date | None, Query(description="Answer as known at the end of this Latvian day")]


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {}}}


router = APIRouter(
    prefix="/national",
    tags=["national figures"],
    responses={
        401: _problem("No token, or an unknown one"),
        403: _problem("A token of another role than ministry"),
        422: _problem("A bad month, date or parameter; `errors` names each field"),
    },
)
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _today(as_of: date | None) -> date:
    """The day report deadlines are judged on: ``as_of`` or today in Riga."""
    return as_of or riga_today()


async def _month(
    runtime: ServiceRuntime, month: str, as_of: date | None
) -> tuple[dict[str, Figures], list[Reconciliation]]:
    async with runtime.pool.acquire() as conn:
        cells = await queries.month_figures(conn, month, as_of)
        submitted = await queries.reports(conn, as_of, month)
    return cells, reconciliations(month, cells, submitted, _today(as_of))


@router.get("/months", response_model=None, responses={200: {"model": models.MonthsOut}})
async def months(_: Ministry, runtime: Runtime, as_of: AsOf = None) -> dict[str, Any]:
    """The months that have any figure (future months too: grants run ahead)."""
    async with runtime.pool.acquire() as conn:
        known = await queries.known_months(conn, as_of)
    return {"as_of": _iso(as_of), "months": known}


@router.get("/months/{month}", response_model=None, responses={200: {"model": models.MonthOut}})
async def national_month(
    month: Month, _: Ministry, runtime: Runtime, as_of: AsOf = None
) -> dict[str, Any]:
    """National totals of a month and every municipality's figures (exact)."""
    cells, checks = await _month(runtime, month, as_of)
    return month_json(month, as_of, cells, checks)


@router.get("/months/{month}/figures.csv", responses=CSV_RESPONSE, response_class=Response)
async def month_csv(month: Month, _: Ministry, runtime: Runtime, as_of: AsOf = None) -> Response:
    """Per municipality and the national total, Latvian column labels, small counts "<5"."""
    cells, _checks = await _month(runtime, month, as_of)
    return _download(
        exports.csv_bytes(exports.municipality_table(month, cells), for_spreadsheets=True),
        "text/csv; charset=utf-8",
        f"asistenti-{month}.csv",
    )


@router.get(
    "/months/{month}/workbook.xlsx",
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
    response_class=Response,
)
async def month_xlsx(month: Month, _: Ministry, runtime: Runtime, as_of: AsOf = None) -> Response:
    """The month's workbook: sheets Valsts, Pašvaldības, Salīdzināšana."""
    cells, checks = await _month(runtime, month, as_of)
    return _download(exports.xlsx_bytes(month, cells, checks), XLSX, f"asistenti-{month}.xlsx")


@router.get("/months/{month}/open-data/data.csv", responses=CSV_RESPONSE, response_class=Response)
async def open_data_csv(
    month: Month, _: Ministry, runtime: Runtime, as_of: AsOf = None
) -> Response:
    """The open-data table (see ``datapackage.json`` beside it)."""
    cells, _checks = await _month(runtime, month, as_of)
    return _download(
        exports.csv_bytes(exports.open_data_rows(month, cells)),
        "text/csv; charset=utf-8",
        "data.csv",
    )


@router.get(
    "/months/{month}/open-data/datapackage.json",
    response_class=Response,
    responses={
        200: {
            "description": "The Frictionless Data Package descriptor of data.csv",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def open_data_package(month: Month, _: Ministry) -> Response:
    body = json.dumps(exports.datapackage(month, "data.csv"), ensure_ascii=False, indent=2)
    return Response(body.encode(), media_type="application/json")


@router.get(
    "/municipalities/{municipality}/months",
    response_model=None,
    responses={200: {"model": models.MunicipalityMonthsOut}, 404: _problem("Unknown municipality")},
)
async def municipality_months(
    municipality: str,
    _: Ministry,
    runtime: Runtime,
    as_of: AsOf = None,
    first: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN)] = None,
    last: Annotated[str | None, Query(alias="to", pattern=MONTH_PATTERN)] = None,
) -> dict[str, Any]:
    """One municipality's figures month by month (exact), with each month's report status."""
    get_municipality(municipality)  # 404 for an unknown slug
    if first and last and first > last:
        raise Problem(
            422,
            "Invalid request",
            "from must not be after to",
            errors=[{"field": "from", "message": "after 'to'", "type": "value_error"}],
        )
    async with runtime.pool.acquire() as conn:
        months = await queries.municipality_months(conn, municipality, as_of, first, last)
        submitted = await queries.reports(conn, as_of)
    today = _today(as_of)
    items = []
    for month, figures in months.items():
        check = reconciliations(month, {municipality: figures}, submitted, today)[0]
        items.append({"month": month, "figures": figures_json(figures), "report": check.as_json()})
    return {**municipality_ref(municipality), "as_of": _iso(as_of), "months": items}


@router.get(
    "/reconciliation", response_model=None, responses={200: {"model": models.ReconciliationListOut}}
)
async def reconciliation(
    _: Ministry,
    runtime: Runtime,
    month: MonthQuery = None,
    as_of: AsOf = None,
    only_differences: bool = True,
) -> dict[str, Any]:
    """Submitted reports compared with the figures from events; by default only those
    with differences in a figure or in payments against approved hours × rate."""
    async with runtime.pool.acquire() as conn:
        submitted = await queries.reports(conn, as_of, month)
        months = sorted({m for _, m in submitted}) if month is None else [month]
        items: list[dict[str, Any]] = []
        for each in months:
            cells = await queries.month_figures(conn, each, as_of)
            checks = reconciliations(each, cells, submitted, _today(as_of))
            for check in checks:
                if check.report is None:
                    continue
                view = check.as_json()
                paid_ok = view["payments"] is None or view["payments"]["matches"]
                if only_differences and view["matches"] and paid_ok:
                    continue
                items.append(view)
    return {"as_of": _iso(as_of), "month": month, "items": items}


@router.get("/late-reports", response_model=None, responses={200: {"model": models.LateReportsOut}})
async def late_reports(_: Ministry, runtime: Runtime, as_of: AsOf = None) -> dict[str, Any]:
    """Months whose report was not submitted by the 15th of the following month."""
    today = _today(as_of)
    async with runtime.pool.acquire() as conn:
        # Only months whose deadline has passed can be late.
        last_due = _last_month_due(today)
        cells = await queries.active_cells(conn, as_of, last_due)
        submitted = await queries.reports(conn, as_of)
    items = []
    for slug, month in cells:
        report = submitted.get((slug, month))
        first = report.first_submitted_on if report else None
        deadline = report_deadline(month)
        if first is not None and first <= deadline:
            continue
        items.append(
            {
                **municipality_ref(slug),
                "month": month,
                "deadline": deadline.isoformat(),
                "status": (ReportStatus.LATE if first else ReportStatus.MISSING).value,
                "submitted_on": _iso(first),
                "days_late": ((first or today) - deadline).days,
            }
        )
    return {"as_of": _iso(as_of), "today": today.isoformat(), "items": items}


@router.get(
    "/payment-mismatches",
    response_model=None,
    responses={200: {"model": models.PaymentMismatchesOut}},
)
async def payment_mismatches(
    _: Ministry, runtime: Runtime, month: MonthQuery = None, as_of: AsOf = None
) -> dict[str, Any]:
    """Municipalities whose payments for a month differ from approved hours × rate."""
    async with runtime.pool.acquire() as conn:
        months = [month] if month else await queries.known_months(conn, as_of)
        items = []
        for each in months:
            cells = await queries.month_figures(conn, each, as_of)
            submitted = await queries.reports(conn, as_of, each)
            for check in reconciliations(each, cells, submitted, _today(as_of)):
                payments = check.as_json()["payments"]
                if payments is not None and not payments["matches"]:
                    items.append(
                        {**municipality_ref(check.municipality), "month": each, **payments}
                    )
    return {"as_of": _iso(as_of), "items": items}


@router.get("/status", response_model=None, responses={200: {"model": models.StatusOut}})
async def status(_: Ministry, runtime: Runtime) -> dict[str, Any]:
    """Events not yet applied, per upstream stream: 0 everywhere means the figures are current."""
    pending: dict[str, int] = {}
    for service, durable in durables().items():
        info = await runtime.js.consumer_info(stream_name(service), durable)
        pending[stream_name(service)] = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
    return {"pending": pending, "caught_up": not any(pending.values())}


def _last_month_due(today: date) -> str:
    """The newest month whose report deadline (the 15th of the next month) has passed."""
    year, month = today.year, today.month - (1 if today.day > 15 else 2)
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


ROUTERS = [router]
