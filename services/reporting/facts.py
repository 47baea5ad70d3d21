"""Pure: what an event tells the ministry, as facts about one entity (issue 12).

A *fact* keeps only what the figures need: dates, hours, amounts, groups and reason codes.
No personal code, name, address, IBAN, free text (notes, reasons in words) or id survives:
the entity an event is about (a case, a time report, an assistant's month of payments) is
named by a keyed pseudonym the caller supplies, and so is any id used as a fact key.

Facts of one entity are merged by key and never replaced (a later version of a time report
is a fact of its own), so the entity's state does not depend on the order its events arrive
in (a redelivered or replayed event writes the same fact again), and
``known_on`` (the Latvian date the event was recorded) lets every figure keep its history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from pydantic import BaseModel

from shared.aggregate import ByType
from shared.contracts import decisions as dc
from shared.contracts import intake as ic
from shared.contracts import payments as pc
from shared.contracts import timesheets as tc
from shared.rules.errors import MissingRateError
from shared.rules.rates import administration_rate_cap, hourly_rate
from shared.rules.vocabulary import AgeGroup, Unit

Pseudonym = Callable[[str], str]
JsonValue = str | int | bool | list[str] | None
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Fact:
    """One fact about one entity: ``entity`` is ``<kind>:<raw id>`` until pseudonymised."""

    kind: str  # application | case | client | timesheet | worker | payee
    entity_id: str  # raw id parts joined by ":"; never stored (see projection.py)
    key: str  # unique within the entity; the same event always gives the same key
    body: dict[str, JsonValue] = field(default_factory=dict)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _d(value: Decimal) -> str:
    return str(value)


# One function per event type the figures use, registered next to it (issue #8).
_FACTS: ByType[Callable[[Any, Pseudonym], list[Fact]]] = ByType("a function for its facts")
facts_from = _FACTS.register


def facts_of(data: BaseModel, pseudonym: Pseudonym) -> list[Fact]:
    """The facts of one event; an event the figures do not use gives none."""
    facts = _FACTS.get(type(data))
    return facts(data, pseudonym) if facts is not None else []


# --- intake -------------------------------------------------------------------------------


@facts_from(ic.ApplicationSubmitted)
def _submitted(data: ic.ApplicationSubmitted, _: Pseudonym) -> list[Fact]:
    return [
        Fact(
            "application",
            data.application_id,
            "submitted",
            {"month": month_of(data.received_on)},
        )
    ]


# --- decisions: the case of one application -------------------------------------------------


def _case(case_id: str, key: str, body: dict[str, JsonValue]) -> list[Fact]:
    return [Fact("case", case_id, key, body)]


def _decision_key(number: int) -> str:
    return f"decision-{number:04d}"


class _Decided(Protocol):
    """An event of one numbered decision of a case."""

    @property
    def case_id(self) -> str: ...
    @property
    def decision_number(self) -> int: ...


def _decision(data: _Decided, body: dict[str, JsonValue], suffix: str = "") -> list[Fact]:
    """The fact of decision ``data``; ``suffix`` sorts what changes it right after it."""
    return _case(data.case_id, f"{_decision_key(data.decision_number)}{suffix}", body)


class _Dated(_Decided, Protocol):
    """A decision taken on a day: a grant, a refusal, an amendment."""

    @property
    def decided_on(self) -> date: ...


def _decided(data: _Dated, kind: str, body: dict[str, JsonValue]) -> list[Fact]:
    """The fact of decision ``data`` of type ``kind`` taken on its day, with ``body``."""
    return _decision(data, {"type": kind, "decided_on": data.decided_on.isoformat(), **body})


class _Terms(Protocol):
    """Granted hours per unit until a last day (a grant, an amendment, restored terms)."""

    @property
    def unit(self) -> Unit: ...
    @property
    def hours(self) -> Decimal: ...
    @property
    def period_end(self) -> date: ...


def _terms(terms: _Terms) -> dict[str, JsonValue]:
    # rules.md §4.1, §4.2a, §4.3: the unit says weekly or monthly hours, never the age.
    return {
        "unit": terms.unit.value,
        "hours": _d(terms.hours),
        "until": terms.period_end.isoformat(),
    }


@facts_from(dc.CaseOpened)
def _case_opened(data: dc.CaseOpened, _: Pseudonym) -> list[Fact]:
    return _case(data.case_id, "opened", {"received_on": data.received_on.isoformat()})


@facts_from(dc.HoursGranted)
def _hours_granted(data: dc.HoursGranted, _: Pseudonym) -> list[Fact]:
    group: dict[str, JsonValue] = {
        "child": data.age_group != AgeGroup.ADULT,
        "vision": data.vision_group,
    }
    # The client's group, for "clients served" (paid hours, from payments' events).
    client = Fact("client", data.case_id, "group", group)
    grant: dict[str, JsonValue] = {
        "decided_late": data.decided_late,
        # The group as decided (rules.md §3.1–3.2), not an age computed here.
        **group,
        "from": data.period_start.isoformat(),
        **_terms(data),
    }
    return [client, *_decided(data, "grant", grant)]


@facts_from(dc.ApplicationRefused)
def _refused(data: dc.ApplicationRefused, _: Pseudonym) -> list[Fact]:
    reasons = sorted(reason.value for reason in data.reasons)
    return _decided(data, "refusal", {"decided_late": data.decided_late, "reasons": reasons})


@facts_from(dc.GrantAmended)
def _amended(data: dc.GrantAmended, _: Pseudonym) -> list[Fact]:
    return _decided(data, "amendment", {"from": data.effective_from.isoformat(), **_terms(data)})


# A suspension, resumption or termination of the service from a day.
@facts_from(dc.ServiceSuspended)
def _suspended(data: dc.ServiceSuspended, _: Pseudonym) -> list[Fact]:
    return _decision(data, {"type": "suspension", "from": data.suspended_from.isoformat()})


@facts_from(dc.ServiceResumed)
def _resumed(data: dc.ServiceResumed, _: Pseudonym) -> list[Fact]:
    return _decision(data, {"type": "resumption", "from": data.resumed_on.isoformat()})


@facts_from(dc.ServiceTerminated)
def _terminated(data: dc.ServiceTerminated, _: Pseudonym) -> list[Fact]:
    return _decision(data, {"type": "termination", "from": data.terminated_from.isoformat()})


# Issue #17: the figures follow what is in effect. Each fact sorts right after the act it
# changes ("decision-0005" < "decision-0005-notified" < "decision-0005-objection" < …).
_ACT_KINDS = {
    "ServiceTerminated": "termination",
    "ServiceSuspended": "suspension",
    "GrantAmended": "amendment",
}


class _ActChange(_Decided, Protocol):
    """An event about an earlier act (``act``: its event type) of the case."""

    @property
    def act(self) -> str: ...


def _act_change(
    data: _ActChange,
    what: str,
    day: date | None,
    suffix: str,
    *,
    first: date | None = None,
    terms: _Terms | None = None,
) -> list[Fact]:
    """When act ``data.act`` is in effect changes (``what``) from ``day``; none without one."""
    kind = _ACT_KINDS.get(data.act)
    if day is None or kind is None:
        return []
    body: dict[str, JsonValue] = {"type": what, "act": kind, "from": day.isoformat()}
    if first is not None:
        body["first"] = first.isoformat()
    if terms is not None:
        body |= _terms(terms)
    return _decision(data, body, suffix)


@facts_from(dc.ActNotified)
def _notified(data: dc.ActNotified, _: Pseudonym) -> list[Fact]:
    return _act_change(data, "in_effect_later", data.first_day_in_effect, "-notified")


@facts_from(dc.ObjectionFiled)
def _objection_filed(data: dc.ObjectionFiled, _: Pseudonym) -> list[Fact]:
    if not data.holds_back:
        return []
    first = data.act_first_day or data.held_from
    return _act_change(
        data, "held_back", data.held_from, "-objection", first=first, terms=data.restored
    )


@facts_from(dc.ObjectionDecided)
def _objection_decided(data: dc.ObjectionDecided, _: Pseudonym) -> list[Fact]:
    if not data.holds_back:
        return []
    return _act_change(data, "upheld", data.effect_from, "-objection-decided", terms=data.terms)


@facts_from(dc.CaseEnded)
def _ended(data: dc.CaseEnded, _: Pseudonym) -> list[Fact]:
    """legal.md §2: a grant that reached its end, or the person's death (no act)."""
    return _case(
        data.case_id,
        "ended",
        {"reason": data.reason.value, "last_day": data.last_service_day.isoformat()},
    )


@facts_from(dc.CaseClosed)
def _closed(data: dc.CaseClosed, _: Pseudonym) -> list[Fact]:
    return _case(
        data.case_id, "closed", {"on": data.closed_on.isoformat(), "reason": data.reason.value}
    )


@facts_from(dc.DecisionOverdue)
def _overdue(data: dc.DecisionOverdue, _: Pseudonym) -> list[Fact]:
    return _case(data.case_id, "overdue", {"on": data.detected_on.isoformat()})


# --- timesheets -----------------------------------------------------------------------------


def expected_amount(days: list[tc.ApprovedDay]) -> tuple[Decimal | None, int]:
    """Approved hours × the state hourly amount of each day (rules.md §8.2), and the lines.

    Hours are grouped by the amount in force on their day, each group rounded half-up to
    cents, as a payment line is; ``None`` when a day has no known amount (before 2021-07).
    """
    hours_by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for day in days:
        try:
            hours_by_rate[hourly_rate(day.day)] += day.hours
        except MissingRateError:
            return None, 0
    total = sum(
        ((rate * hours).quantize(CENT, ROUND_HALF_UP) for rate, hours in hours_by_rate.items()),
        Decimal(0),
    )
    return total, len(hours_by_rate)


@facts_from(tc.TimesheetSubmitted)
def _timesheet_submitted(data: tc.TimesheetSubmitted, _: Pseudonym) -> list[Fact]:
    return [
        Fact(
            "timesheet",
            data.timesheet_id,
            f"submitted-{data.version:04d}",
            {"month": data.month, "hours": _d(data.reported_hours)},
        )
    ]


def _approval(
    timesheet_id: str,
    assistant_id: str,
    month: str,
    version: int,
    approved_hours: Decimal,
    days: list[tc.ApprovedDay],
    pseudonym: Pseudonym,
) -> list[Fact]:
    amount, lines = expected_amount(days)
    return [
        Fact(
            "timesheet",
            timesheet_id,
            f"approved-{version:04d}",
            {
                "month": month,
                "hours": _d(approved_hours),
                "amount": None if amount is None else _d(amount),
                "lines": lines,
            },
        ),
        # The assistant's month: did they work (approved hours) at all?
        Fact(
            "worker",
            f"{assistant_id}:{month}",
            f"timesheet-{pseudonym(timesheet_id)}-{version:04d}",
            {"month": month, "hours": _d(approved_hours)},
        ),
    ]


@facts_from(tc.TimesheetApproved)
@facts_from(tc.TimesheetCorrected)
def _timesheet_approved(
    data: tc.TimesheetApproved | tc.TimesheetCorrected, pseudonym: Pseudonym
) -> list[Fact]:
    """A first approval or a correction: the approved hours of that version."""
    return _approval(
        data.timesheet_id,
        data.assistant_id,
        data.month,
        data.version,
        data.approved_hours,
        data.days,
        pseudonym,
    )


@facts_from(tc.TimesheetOverdue)
def _timesheet_overdue(data: tc.TimesheetOverdue, _: Pseudonym) -> list[Fact]:
    return [Fact("timesheet", data.timesheet_id, "overdue", {"month": data.month})]


# --- payments -------------------------------------------------------------------------------


@facts_from(pc.PaymentIssued)
def _payment_issued(data: pc.PaymentIssued, pseudonym: Pseudonym) -> list[Fact]:
    money = data.money
    payment = f"payment-{pseudonym(data.payment_id)}"
    hours_by_case: dict[str, Decimal] = defaultdict(Decimal)
    for line in data.lines:
        hours_by_case[line.case_id] += line.hours
    # rules.md §8.2: up to 0.26 EUR a paid hour from 2023-04-01; exact here, rounded once
    # per municipality and month when summed.
    administration = sum(
        (line.hours * administration_rate_cap(line.rate_from) for line in data.lines),
        Decimal(0),
    )
    return [
        Fact(
            "payee",
            f"{data.assistant_id}:{data.month}",
            payment,
            {
                "month": data.month,
                "hours": _d(data.hours),
                "gross": _d(money.gross),
                "employer": _d(money.employer_contribution),
                "total": _d(money.total_cost),
                "net": _d(money.net),
                "lines": len(data.lines),
                "administration": _d(administration),
            },
        ),
        *(
            Fact("client", case_id, payment, {"month": data.month, "hours": _d(hours)})
            for case_id, hours in sorted(hours_by_case.items())
        ),
    ]


@facts_from(pc.PaymentReturned)
@facts_from(pc.PaymentReissued)
def _payment_returned_or_reissued(
    data: pc.PaymentReturned | pc.PaymentReissued, pseudonym: Pseudonym
) -> list[Fact]:
    """The bank returned a payment, or it was sent again: the amount, by its payment."""
    what = "returned" if isinstance(data, pc.PaymentReturned) else "reissued"
    return [
        Fact(
            "payee",
            f"{data.assistant_id}:{data.month}",
            f"{what}-{pseudonym(data.payment_id)}",
            {"month": data.month, "amount": _d(data.amount)},
        )
    ]


# The event types whose facts the figures use; ``MonthlyReportSubmitted`` is kept apart.
HANDLED: tuple[type[BaseModel], ...] = tuple(_FACTS.types)
