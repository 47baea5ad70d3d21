"""Pure: statistical disclosure control for every published output (CSV, XLSX, open data).

As in official statistics, a cell of 1–4 persons could single one out (issue 12):
- every count of people or of their applications and decisions from 1 to 4 is shown as
  ``<5``; zero stays zero (it singles out nobody, and says the service is not used);
- the hours, money and days of a cell about 1–4 clients or assistants describe those few
  persons (one assistant's pay, one client's grant), so they are shown as ``c``
  (confidential, Eurostat's flag); likewise the days to decision of 1–4 decisions.
The ministry's own API returns exact figures (``views.py``).

A table of municipalities is published with its national total, so a lone suppressed
cell in a column could be derived (total minus the others): ``published_table`` then also
hides the smallest other non-zero cell of that column as ``c`` (complementary
suppression). Not done: protection across months or across published tables (a figure
of one month minus another's).
"""

from __future__ import annotations

from services.reporting.metrics import METRICS, Kind
from services.reporting.summary import Figures, Number

SMALL = "<5"
CONFIDENTIAL = "c"
THRESHOLD = 5


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def shown_count(count: int) -> str:
    return SMALL if is_small(count) else str(count)


def _plain(value: Number | None) -> str:
    return "" if value is None else str(value)


def published(figures: Figures) -> dict[str, str]:
    """Metric name -> the value as published, suppressed where it could single one out."""
    people = [int(figures.value(name) or 0) for name in PEOPLE_BEHIND_AMOUNTS]
    few_people = any(is_small(n) for n in people)
    decided = int(figures.value("applications_granted") or 0) + int(
        figures.value("applications_refused") or 0
    )
    out: dict[str, str] = {}
    for metric in METRICS:
        value = figures.value(metric.name)
        if metric.is_count:
            out[metric.name] = shown_count(int(value or 0))
        elif metric.kind is Kind.DAYS:
            out[metric.name] = CONFIDENTIAL if is_small(decided) else _plain(value)
        else:
            out[metric.name] = CONFIDENTIAL if few_people and value else _plain(value)
    return out


def published_table(cells: dict[str, Figures]) -> dict[str, dict[str, str]]:
    """Every municipality's published figures, with complementary suppression per column."""
    shown = {slug: published(figures) for slug, figures in cells.items()}
    hidden = {SMALL, CONFIDENTIAL}
    for metric in METRICS:
        name = metric.name
        if sum(1 for row in shown.values() if row[name] in hidden) != 1:
            continue
        visible = [
            (abs(cells[slug].value(name) or 0), slug)
            for slug, row in shown.items()
            if row[name] not in hidden and (cells[slug].value(name) or 0) != 0
        ]
        if visible:
            shown[min(visible)[1]][name] = CONFIDENTIAL
    return shown


def published_reasons(figures: Figures) -> dict[str, str]:
    return {reason: shown_count(n) for reason, n in sorted(figures.refused_by_reason.items())}


# The persons whose hours and money a cell's amounts are.
PEOPLE_BEHIND_AMOUNTS = ("clients_active", "clients_served", "assistants_active", "assistants_paid")
