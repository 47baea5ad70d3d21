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


def facts_of(data: BaseModel, pseudonym: Pseudonym) -> list[Fact]:
    """The facts of one event; an event the figures do not use gives none."""
    handler = _HANDLERS.get(type(data))
    return handler(data, pseudonym) if handler is not None else []


# --- intake -------------------------------------------------------------------------------


def _submitted(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, ic.ApplicationSubmitted)
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


def _case_opened(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, dc.CaseOpened)
    return _case(data.case_id, "opened", {"received_on": data.received_on.isoformat()})


def _hours_granted(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, dc.HoursGranted)
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


def _refused(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, dc.ApplicationRefused)
    reasons = sorted(reason.value for reason in data.reasons)
    return _decided(data, "refusal", {"decided_late": data.decided_late, "reasons": reasons})


def _amended(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, dc.GrantAmended)
    return _decided(data, "amendment", {"from": data.effective_from.isoformat(), **_terms(data)})


def _service_changed(data: Any, _: Pseudonym) -> list[Fact]:
    """A suspension, resumption or termination of the service from a day."""
    match data:
        case dc.ServiceSuspended():
            kind, day = "suspension", data.suspended_from
        case dc.ServiceResumed():
            kind, day = "resumption", data.resumed_on
        case dc.ServiceTerminated():
            kind, day = "termination", data.terminated_from
        case _:
            return []
    return _decision(data, {"type": kind, "from": day.isoformat()})


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


def _notified(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, dc.ActNotified)
    return _act_change(data, "in_effect_later", data.first_day_in_effect, "-notified")


def _objection_filed(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, dc.ObjectionFiled)
    if not data.holds_back:
        return []
    first = data.act_first_day or data.held_from
    return _act_change(
        data, "held_back", data.held_from, "-objection", first=first, terms=data.restored
    )


def _objection_decided(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, dc.ObjectionDecided)
    if not data.holds_back:
        return []
    return _act_change(data, "upheld", data.effect_from, "-objection-decided", terms=data.terms)


def _ended(data: Any, _: Pseudonym) -> list[Fact]:
    """legal.md §2: a grant that reached its end, or the person's death (no act)."""
    assert isinstance(data, dc.CaseEnded)
    return _case(
        data.case_id,
        "ended",
        {"reason": data.reason.value, "last_day": data.last_service_day.isoformat()},
    )


def _closed(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, dc.CaseClosed)
    return _case(
        data.case_id, "closed", {"on": data.closed_on.isoformat(), "reason": data.reason.value}
    )


def _overdue(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, dc.DecisionOverdue)
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


def _timesheet_submitted(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, tc.TimesheetSubmitted)
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


def _timesheet_approved(data: Any, pseudonym: Pseudonym) -> list[Fact]:
    """A first approval or a correction: the approved hours of that version."""
    assert isinstance(data, tc.TimesheetApproved | tc.TimesheetCorrected)
    return _approval(
        data.timesheet_id,
        data.assistant_id,
        data.month,
        data.version,
        data.approved_hours,
        data.days,
        pseudonym,
    )


def _timesheet_overdue(data: Any, _: Pseudonym) -> list[Fact]:
    assert isinstance(data, tc.TimesheetOverdue)
    return [Fact("timesheet", data.timesheet_id, "overdue", {"month": data.month})]


# --- payments -------------------------------------------------------------------------------


def _payment_issued(data: Any, pseudonym: Pseudonym) -> list[Fact]:
    assert isinstance(data, pc.PaymentIssued)
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


def _payment_returned_or_reissued(data: Any, pseudonym: Pseudonym) -> list[Fact]:
    """The bank returned a payment, or it was sent again: the amount, by its payment."""
    assert isinstance(data, pc.PaymentReturned | pc.PaymentReissued)
    what = "returned" if isinstance(data, pc.PaymentReturned) else "reissued"
    return [
        Fact(
            "payee",
            f"{data.assistant_id}:{data.month}",
            f"{what}-{pseudonym(data.payment_id)}",
            {"month": data.month, "amount": _d(data.amount)},
        )
    ]


_HANDLERS: dict[type[BaseModel], Callable[[Any, Pseudonym], list[Fact]]] = {
    ic.ApplicationSubmitted: _submitted,
    dc.CaseOpened: _case_opened,
    dc.HoursGranted: _hours_granted,
    dc.ApplicationRefused: _refused,
    dc.GrantAmended: _amended,
    dc.ServiceSuspended: _service_changed,
    dc.ServiceResumed: _service_changed,
    dc.ServiceTerminated: _service_changed,
    dc.CaseClosed: _closed,
    dc.ActNotified: _notified,
    dc.ObjectionFiled: _objection_filed,
    dc.ObjectionDecided: _objection_decided,
    dc.CaseEnded: _ended,
    dc.DecisionOverdue: _overdue,
    tc.TimesheetSubmitted: _timesheet_submitted,
    tc.TimesheetApproved: _timesheet_approved,
    tc.TimesheetCorrected: _timesheet_approved,
    tc.TimesheetOverdue: _timesheet_overdue,
    pc.PaymentIssued: _payment_issued,
    pc.PaymentReturned: _payment_returned_or_reissued,
    pc.PaymentReissued: _payment_returned_or_reissued,
}

# The event types whose facts the figures use; ``MonthlyReportSubmitted`` is kept apart.
HANDLED: tuple[type[BaseModel], ...] = tuple(_HANDLERS)
