"""The monthly report aggregate (stream ``report-<municipality>-<month>``): submitted once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from services.payments.domain import (
    REPORT_STREAM_PREFIX,
    IllegalTransition,
    check_month_closed,
    report_stream,
)
from services.payments.handlers import project_appended
from services.payments.report import monthly_figures
from services.payments.report_files import report_csv, report_xlsx
from shared.aggregate import ByType, evolve_by_type
from shared.commands import Aggregate, execute
from shared.contracts.payments import MonthlyFigures, MonthlyReportSubmitted
from shared.events.envelope import new_event_id
from shared.municipalities import get_municipality
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection


def decide_submit(
    submitted: MonthlyReportSubmitted | None,
    month: str,
    figures: MonthlyFigures,
    today: date,
    actor: str,
) -> list[BaseModel]:
    """rules.md §9: one report per municipality and month; the month must have ended."""
    if submitted is not None:
        raise IllegalTransition(
            f"the report for {month} was already submitted on {submitted.submitted_on}"
        )
    check_month_closed(month, today)
    return [
        MonthlyReportSubmitted(
            report_id=new_event_id(),
            month=month,
            submitted_on=today,
            submitted_by=actor,
            figures=figures,
        )
    ]


# The report's state is the submission, if any. Its events are applied as every
# aggregate's are (run_domain.py ``evolves``): one function per event type, registered; a
# test checks the set of types.
ReportState = MonthlyReportSubmitted | None
EVOLVERS: ByType[Callable[[ReportState, Any], ReportState]] = ByType("an evolve function")


evolve = evolve_by_type(EVOLVERS)


@EVOLVERS.register(MonthlyReportSubmitted)
def report_submitted(_state: ReportState, event: MonthlyReportSubmitted) -> ReportState:
    return event


MONTHLY_REPORT: Aggregate[ReportState] = Aggregate(
    category=REPORT_STREAM_PREFIX, initial=None, evolve=evolve
)
"""The monthly report for the command pipeline: ``report-<municipality>-<month>``."""


async def submit(
    conn: Connection, store: EventStore, context: EventContext, month: str, today: date
) -> MonthlyReportSubmitted:
    """Submit the month's figures as they are now, through the shared pipeline."""
    figures = await monthly_figures(conn, context.municipality, month)
    outcome = await execute(
        store,
        conn,
        context,
        MONTHLY_REPORT,
        report_stream(context.municipality, month),
        lambda state: decide_submit(state, month, figures, today, context.actor or ""),
        project=project_appended,
    )
    event = outcome.events[0]
    assert isinstance(event, MonthlyReportSubmitted)
    return event


async def report_view(conn: Connection, municipality: str, month: str) -> dict[str, Any]:
    """The figures now, and what was submitted (if it was)."""
    figures = await monthly_figures(conn, municipality, month)
    row = await conn.fetchrow(
        "select report_id, submitted_on, submitted_by, figures from reports"
        " where municipality = $1 and month = $2",
        municipality,
        month,
    )
    submitted = None
    if row is not None:
        submitted = {
            "report_id": row["report_id"],
            "submitted_on": row["submitted_on"].isoformat(),
            "submitted_by": row["submitted_by"],
            "figures": MonthlyFigures.model_validate_json(row["figures"]).model_dump(mode="json"),
        }
    return {
        "municipality": municipality,
        "month": month,
        "figures": figures.model_dump(mode="json"),
        "submitted": submitted,
    }


async def report_file(
    conn: Connection, municipality: str, month: str, kind: Literal["csv", "xlsx"]
) -> tuple[bytes, str]:
    """The submitted figures when there are some (what the ministry got), else the current."""
    row = await conn.fetchval(
        "select figures from reports where municipality = $1 and month = $2", municipality, month
    )
    figures = (
        MonthlyFigures.model_validate_json(row)
        if row is not None
        else await monthly_figures(conn, municipality, month)
    )
    place = get_municipality(municipality)
    name = f"asistenta-pakalpojums-{municipality}-{month}.{kind}"
    if kind == "csv":
        return report_csv(place, month, figures), name
    return report_xlsx(place, month, figures), name
