"""Pure: the ministry's views of a month, exact (the API) and the lists of reconciliation.

Numbers in JSON: counts are integers, hours, money and days are decimal strings (exact;
a float would lose cents).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.reporting.queries import SubmittedReport
from services.reporting.reconcile import (
    ReportStatus,
    differences,
    payment_check,
    report_deadline,
    report_status,
)
from services.reporting.summary import Figures, Number, combine
from shared.municipalities import MUNICIPALITIES


def municipality_ref(slug: str) -> dict[str, str]:
    """Slug, ATVK code and official name from the registry (the slug alone if unknown)."""
    known = MUNICIPALITIES.get(slug)
    return {
        "municipality": slug,
        "atvk": known.atvk if known else "",
        "name": known.name if known else slug,
    }


def json_number(value: Number | None) -> int | str | None:
    if value is None or isinstance(value, int):
        return value
    return str(value)


def figures_json(figures: Figures) -> dict[str, Any]:
    out: dict[str, Any] = {name: json_number(v) for name, v in figures.values().items()}
    out["refused_by_reason"] = dict(sorted(figures.refused_by_reason.items()))
    return out


@dataclass(frozen=True)
class Reconciliation:
    """One municipality's month: its report (if any) against the figures from events."""

    municipality: str
    month: str
    status: ReportStatus
    report: SubmittedReport | None
    own: Figures

    def as_json(self) -> dict[str, Any]:
        check = payment_check(self.own)
        found = differences(self.report.figures, self.own) if self.report else []
        return {
            **municipality_ref(self.municipality),
            "month": self.month,
            "deadline": report_deadline(self.month).isoformat(),
            "status": self.status.value,
            "first_submitted_on": _iso(self.report.first_submitted_on if self.report else None),
            "submitted_on": _iso(self.report.submitted_on if self.report else None),
            "submissions": self.report.submissions if self.report else 0,
            "matches": bool(self.report) and not found,
            "differences": [
                {
                    "field": d.field,
                    "reported": _exact(d.reported),
                    "computed": _exact(d.computed),
                    "difference": _exact(d.difference),
                }
                for d in found
            ],
            "payments": None
            if check is None
            else {
                "expected": str(check.expected),
                "paid": str(check.paid),
                "difference": str(check.difference),
                "tolerance": str(check.tolerance),
                "matches": check.matches,
            },
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _exact(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


def reconciliations(
    month: str,
    cells: dict[str, Figures],
    submitted: dict[tuple[str, str], SubmittedReport],
    today: date,
) -> list[Reconciliation]:
    """Every municipality with figures or a report in ``month``."""
    names = sorted(set(cells) | {m for m, mo in submitted if mo == month})
    out = []
    for slug in names:
        report = submitted.get((slug, month))
        status = report_status(month, report.first_submitted_on if report else None, today)
        out.append(Reconciliation(slug, month, status, report, cells.get(slug, Figures())))
    return out


def month_json(
    month: str,
    as_of: date | None,
    cells: dict[str, Figures],
    checks: list[Reconciliation],
) -> dict[str, Any]:
    by_slug = {check.municipality: check for check in checks}
    return {
        "month": month,
        "as_of": _iso(as_of),
        "national": figures_json(combine(cells.values())),
        "municipalities": [
            {
                **municipality_ref(slug),
                "figures": figures_json(figures),
                "report_status": by_slug[slug].status.value if slug in by_slug else None,
            }
            for slug, figures in cells.items()
        ],
    }
