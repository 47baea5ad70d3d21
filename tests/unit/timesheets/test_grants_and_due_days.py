"""Grant windows from decisions' facts, and the due day of a month's reports (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.timesheets.grants.windows import CaseGrant, Term, windows
from services.timesheets.report.overdue import TimesheetsSettings, months_between
from shared.rules import Unit


def test_an_amendment_replacing_a_term_from_its_first_day_leaves_no_window() -> None:
    terms = (
        Term(Unit.WEEK, Decimal(20), ("work",), date(2026, 11, 1), date(2026, 10, 31)),
        Term(Unit.WEEK, Decimal(25), ("work",), date(2026, 11, 1), date(2027, 10, 31)),
    )
    case = CaseGrant(
        "c", False, date(2027, 1, 1), terms, ((date(2026, 11, 10), date(2026, 11, 15)),)
    )
    [only] = windows("client", [case])
    assert only.hours == 25 and only.client_id == "client"
    assert only.suspensions == ((date(2026, 11, 10), date(2026, 11, 14)),), "resumed is not in it"
    assert only.terminated_from == date(2027, 1, 1)
    assert only.activities == frozenset({"work"})


def test_any_activity_for_a_child_and_an_open_suspension() -> None:
    terms = (Term(Unit.MONTH, Decimal(100), (), date(2026, 11, 1), date(2027, 10, 31)),)
    [child] = windows("c", [CaseGrant("c", True, None, terms, ((date(2026, 11, 20), None),))])
    assert child.activities is None
    assert child.suspended_on(date(2027, 3, 1))


def test_the_due_day_of_a_month_per_municipality_and_in_short_months() -> None:
    settings = TimesheetsSettings(due_day=5, due_days={"ludza": 31})
    assert settings.due_on("daugavpils", "2026-11") == date(2026, 12, 5)
    assert settings.due_on("daugavpils", "2026-12") == date(2027, 1, 5)
    assert settings.due_on("ludza", "2027-01") == date(2027, 2, 28)
    assert months_between(date(2026, 11, 15), date(2027, 1, 31)) == [
        "2026-11",
        "2026-12",
        "2027-01",
    ]
    assert months_between(date(2026, 12, 1), date(2026, 11, 30)) == []
