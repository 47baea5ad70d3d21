"""The payments domain, shared words: errors, stream ids, months (pure, architecture.md §4).

Two aggregates: the *payment run* of one municipality and month of work (``run_domain``;
payments are planned by ``pay``) and the *monthly report* (``report_domain``).
"""

from __future__ import annotations

import re
from datetime import date

# The errors are the shared ones (shared/errors.py, issue #8), named here as before.
from shared.errors import Conflict, NotAllowed
from shared.errors import DomainError as DomainError
from shared.errors import FieldError as FieldError
from shared.errors import InvalidCommand as InvalidCommand
from shared.errors import NotFound as NotFound
from shared.errors import invalid as invalid

RUN_STREAM_PREFIX = "run-"
REPORT_STREAM_PREFIX = "report-"


def run_stream(run_id: str) -> str:
    return f"{RUN_STREAM_PREFIX}{run_id}"


def report_stream(municipality: str, month: str) -> str:
    return f"{REPORT_STREAM_PREFIX}{municipality}-{month}"


def run_id_for(municipality: str, month: str, kind: str, number: int) -> str:
    """One id per municipality, month and run number: ``daugavpils-2026-11-1``.

    The first run of a month is number 1 (regular); later ones are supplementary or
    re-issue runs. The stream version then makes "one run per municipality and month"
    hold even for two finance users opening it at the same moment.
    """
    return f"{municipality}-{month}-{number}"


def run_belongs_to(run_id: str, municipality: str) -> bool:
    """Whether ``run_id`` (``<municipality>-<YYYY-MM>-<n>``) is this municipality's.

    Exact, not a prefix: ``ventspils-novads-2026-11-1`` is not Ventspils city's run.
    """
    return re.fullmatch(rf"{re.escape(municipality)}-\d{{4}}-\d{{2}}-\d+", run_id) is not None


def month_start(month: str) -> date:
    year, number = month.split("-")
    return date(int(year), int(number), 1)


def next_month_start(month: str) -> date:
    start = month_start(month)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


IllegalTransition = Conflict
"""The command does not fit the aggregate's state (e.g. approve an approved run): 409."""


class FourEyes(NotAllowed):
    """The same finance user may not both open and approve a run (four-eyes principle)."""

    title = "Four eyes"


def check_month_closed(month: str, today: date) -> None:
    """rules.md §8.1: a month is paid after it ends (normally in the next month)."""
    if next_month_start(month) > today:
        raise invalid(
            "month",
            f"{month} has not ended yet; it can be paid from "
            f"{next_month_start(month).isoformat()} (rules.md §8.1)",
        )
