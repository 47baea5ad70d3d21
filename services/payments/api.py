"""HTTP API of payments (architecture.md §1: municipality finance): runs, bank files,
returns, and the monthly report. Every route needs a ``finance`` token of the municipality.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from services.payments import api_models as m
from services.payments import handlers, queries, report_commands
from services.payments.api_support import Finance, FinanceCommand, Runtime, read
from services.payments.bank_file import validate
from services.payments.bank_returns import NotAReturnReport, parse_returns
from services.payments.domain import NotFound
from services.payments.planning import Plan
from services.payments.returns import record_returns
from shared.clock import riga_today
from shared.contracts.payments import MonthlyReportSubmitted
from shared.http.commands import Reply
from shared.http.params import MONTH
from shared.http.problems import Problem
from shared.store.types import Connection

router = APIRouter(prefix="/municipalities/{municipality}", tags=["payments"])
Month = Annotated[str, Path(pattern=MONTH)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_RETURN_REPORT = 5_000_000  # bytes; a bank's return report for one municipality is small


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OpenRunBody(Body):
    month: str = Field(pattern=MONTH, description="The month worked, YYYY-MM (rules.md §8.1)")
    reissue: bool = Field(
        default=False, description="Re-send returned payments whose IBAN was corrected"
    )


class ApproveBody(Body):
    expected_total_cost: Decimal | None = Field(
        default=None, description="The preview's total; if the hours changed since, 409"
    )


def plan_view(found: Plan, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """The preview a finance user reviews: per assistant (with the name, for finance only)."""
    return {
        "totals": found.totals.model_dump(mode="json"),
        "payments": [
            {
                "assistant_id": p.assistant_id,
                "name": names.get(p.assistant_id, ("", ""))[0],
                "tax_status": p.tax_status.value,
                "hours": str(p.hours),
                "money": p.money.model_dump(mode="json"),
                "recovered": str(p.recovered),
                "transfer": str(p.transfer),
                "lines": [line.model_dump(mode="json") for line in p.lines],
            }
            for p in found.payments
        ],
        "reissues": [
            {
                "original_payment_id": r.original_payment_id,
                "assistant_id": r.assistant_id,
                "amount": str(r.amount),
            }
            for r in found.reissues
        ],
        "waiting_for_registration": found.waiting,
    }


@router.post("/payment-runs", status_code=201, responses={201: {"model": m.OpenedRunOut}})
async def open_run(body: OpenRunBody, ctx: FinanceCommand) -> JSONResponse:
    """Open the month's run as a draft with its preview: ``PaymentRunOpened``."""

    async def run(conn: Connection) -> Reply:
        run_id, found = await handlers.open_run(
            conn, ctx.runtime.store, ctx.events, body.month, body.reissue, riga_today()
        )
        names = await queries.accounts(conn, [p.assistant_id for p in found.payments])
        view = plan_view(found, names)
        return 201, {"run_id": run_id, "kind": found.kind, "status": "draft"} | view

    return await ctx.run(body, run)


@router.get("/payment-runs", response_model=None, responses={200: {"model": m.RunList}})
async def runs(municipality: str, _: Finance, runtime: Runtime) -> dict[str, Any]:
    async with runtime.pool.acquire() as conn:
        return {"items": await queries.list_runs(conn, municipality)}


@router.get(
    "/payment-runs/{run_id}", response_model=None, responses={200: {"model": m.RunDetailOut}}
)
async def run_detail(
    municipality: str, run_id: str, _: Finance, runtime: Runtime
) -> dict[str, Any]:
    """A draft shows its live preview; an approved run the payments it issued."""

    async def body(conn: Connection) -> dict[str, Any]:
        found = await queries.get_run(conn, municipality, run_id)
        if found is None:
            raise NotFound(f"no payment run {run_id} in {municipality}")
        if found["status"] == "draft":
            plan = await handlers.preview(conn, runtime.store, municipality, run_id)
            names = await queries.accounts(conn, [p.assistant_id for p in plan.payments])
            return found | {"preview": plan_view(plan, names)}
        return found | {"payments": await queries.run_payments(conn, run_id)}

    result: dict[str, Any] = await read(runtime, body)
    return result


@router.post(
    "/payment-runs/{run_id}/approve",
    status_code=201,
    responses={201: {"model": m.ApprovedRunOut}},
)
async def approve(run_id: str, body: ApproveBody, ctx: FinanceCommand) -> JSONResponse:
    """A second finance user approves: payments, bank file (four eyes; the opener gets 403)."""

    async def run(conn: Connection) -> Reply:
        events = await handlers.approve_run(
            conn, ctx.runtime.store, ctx.events, run_id, riga_today(), body.expected_total_cost
        )
        approved = events[0].model_dump(mode="json")
        exported = [e for e in events if type(e).__name__ == "PaymentBatchExported"]
        return 201, {
            "run_id": run_id,
            "status": "approved",
            "totals": approved["totals"],
            "payments": sum(1 for e in events[1:] if type(e).__name__ != "PaymentBatchExported"),
            "bank_file": exported[0].model_dump(mode="json") if exported else None,
        }

    return await ctx.run(body, run)


@router.get(
    "/payment-runs/{run_id}/bank-file",
    response_class=Response,
    responses={
        200: {"content": {"application/xml": {"schema": {"type": "string"}}}},
        500: {"description": "The stored file does not match its SHA-256 (damaged)"},
    },
)
async def bank_file(municipality: str, run_id: str, _: Finance, runtime: Runtime) -> Response:
    """The run's pain.001.001.09 file, checked against its SHA-256 and the XSD again."""
    async with runtime.pool.acquire() as conn:
        row = await queries.bank_file(conn, municipality, run_id)
    if row is None:
        raise Problem(404, "Not found", f"no bank file for payment run {run_id} in {municipality}")
    content = bytes(row["content"])
    if hashlib.sha256(content).hexdigest() != row["file_sha256"]:
        raise Problem(500, "Bank file damaged", "the stored file does not match its SHA-256")
    validate(content)
    return Response(
        content,
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{row["file_name"]}"',
            "Digest": f"sha-256={row['file_sha256']}",
        },
    )


@router.post(
    "/bank-returns",
    status_code=201,
    responses={201: {"model": m.ReturnsOut}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The bank's camt.054 or pain.002 report",
            "content": {"application/xml": {"schema": {"type": "string"}}},
        }
    },
)
async def bank_returns(ctx: FinanceCommand) -> JSONResponse:
    """Upload the bank's camt.054 or pain.002: ``PaymentReturned`` per returned payment."""
    content = await ctx.request.body()
    if not content or len(content) > MAX_RETURN_REPORT:
        raise Problem(
            422,
            "Invalid request",
            "send the bank's camt.054 or pain.002 XML as the request body",
            errors=[{"field": "(body)", "message": f"empty or over {MAX_RETURN_REPORT} bytes"}],
        )
    try:
        returns = parse_returns(content)
    except NotAReturnReport as error:
        raise Problem(
            422, "Invalid request", str(error), errors=[{"field": "(body)", "message": str(error)}]
        ) from error

    async def run(conn: Connection) -> Reply:
        events = await record_returns(conn, ctx.runtime.store, ctx.events, returns, riga_today())
        return 201, {
            "in_report": len(returns),
            "recorded": [e.model_dump(mode="json") for e in events],
        }

    return await ctx.run({"sha256": hashlib.sha256(content).hexdigest()}, run)


@router.get("/reports/{month}", response_model=None, responses={200: {"model": m.ReportOut}})
async def report(municipality: str, month: Month, _: Finance, runtime: Runtime) -> dict[str, Any]:
    async with runtime.pool.acquire() as conn:
        return await report_commands.report_view(conn, municipality, month)


@router.get(
    "/reports/{month}/report.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def report_csv(municipality: str, month: Month, _: Finance, runtime: Runtime) -> Response:
    async with runtime.pool.acquire() as conn:
        content, name = await report_commands.report_file(conn, municipality, month, "csv")
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/reports/{month}/report.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
async def report_xlsx(municipality: str, month: Month, _: Finance, runtime: Runtime) -> Response:
    async with runtime.pool.acquire() as conn:
        content, name = await report_commands.report_file(conn, municipality, month, "xlsx")
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/reports/{month}/submit",
    status_code=201,
    responses={201: {"model": MonthlyReportSubmitted}},
)
async def submit_report(month: Month, ctx: FinanceCommand) -> JSONResponse:
    """Finance reviewed the figures and submits them: ``MonthlyReportSubmitted`` (once)."""

    async def run(conn: Connection) -> Reply:
        event = await report_commands.submit(
            conn, ctx.runtime.store, ctx.events, month, riga_today()
        )
        return 201, event.model_dump(mode="json")

    return await ctx.run({"month": month}, run)


ROUTERS = [router]
