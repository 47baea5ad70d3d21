"""Pure: what one entity adds to the figures, and how that changed from day to day.

An entity's *contribution* is a map ``(month, metric, key) -> value`` computed from all its
facts at once, so it is the same whatever order the facts came in. Its *history* is the
difference of the contribution from one ``known_on`` date to the next: the rows the
projection stores. A figure "as known on D" is the sum of the rows known on or before D;
"now" is the sum of all rows (issue 12: every figure keeps its history).

Definitions where rules.md is silent (docs/reporting.md):
- an application's decision is the first grant or refusal of its case (by decision number),
  counted in the month of ``decided_on``; days to decision are calendar days from receipt;
- a client is *active* in a month with at least one day of grant not suspended or
  terminated; adults and children by the decided age group, the vision group (rules.md
  §3.1) a part of the adults;
- *hours granted* in a month: a weekly grant gives hours / 7 per active day, a monthly one
  hours / (days of that month) per active day (rules.md §4.1, §4.3; the grant's ``unit``
  decides, never the age), rounded half-up to cents per case and month;
- a time report counts with its newest submitted and newest approved version.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.reporting.facts import month_of
from services.reporting.metrics import DECISION_DAYS, PAYMENT_LINES, REFUSED_BY_REASON

CENT = Decimal("0.01")
Cell = tuple[str, str, str]  # month, metric, key
Contribution = dict[Cell, Decimal]
StoredFacts = Mapping[str, Mapping[str, Any]]  # key -> body with "known_on"


@dataclass(frozen=True)
class Delta:
    known_on: date
    month: str
    metric: str
    key: str
    value: Decimal


def history(kind: str, facts: StoredFacts) -> list[Delta]:
    """The entity's rows: for each date something became known, what changed."""
    dates = sorted({date.fromisoformat(str(body["known_on"])) for body in facts.values()})
    previous: Contribution = {}
    deltas: list[Delta] = []
    for day in dates:
        known = {k: b for k, b in facts.items() if date.fromisoformat(b["known_on"]) <= day}
        current = contribution(kind, known)
        for cell in sorted(current.keys() | previous.keys()):
            change = current.get(cell, Decimal(0)) - previous.get(cell, Decimal(0))
            if change:
                deltas.append(Delta(day, *cell, change))
        previous = current
    return deltas


def contribution(kind: str, facts: StoredFacts) -> Contribution:
    out: defaultdict[Cell, Decimal] = defaultdict(Decimal)
    match kind:
        case "application":
            _application(facts, out)
        case "case":
            _case(facts, out)
        case "timesheet":
            _timesheet(facts, out)
        case "worker":
            _worker(facts, out)
        case "payee":
            _payee(facts, out)
        case "client":
            _client(facts, out)
        case _:
            raise ValueError(f"unknown entity kind {kind!r}")
    return {cell: value for cell, value in out.items() if value}


def _day(value: Any) -> date:
    return date.fromisoformat(str(value))


def _application(facts: StoredFacts, out: defaultdict[Cell, Decimal]) -> None:
    submitted = facts.get("submitted")
    if submitted is not None:
        out[(submitted["month"], "applications_received", "")] += 1


# --- cases ---------------------------------------------------------------------------------


def _decisions(facts: StoredFacts) -> list[Mapping[str, Any]]:
    return [facts[key] for key in sorted(facts) if key.startswith("decision-")]


def _case(facts: StoredFacts, out: defaultdict[Cell, Decimal]) -> None:
    decisions = _decisions(facts)
    first = next((d for d in decisions if d["type"] in ("grant", "refusal")), None)
    if first is not None:
        decided = _day(first["decided_on"])
        month = month_of(decided)
        if first["type"] == "grant":
            out[(month, "applications_granted", "")] += 1
        else:
            out[(month, "applications_refused", "")] += 1
            for reason in first["reasons"]:
                out[(month, REFUSED_BY_REASON, str(reason))] += 1
        if first["decided_late"]:
            out[(month, "applications_decided_late", "")] += 1
        opened = facts.get("opened")
        if opened is not None:
            days = (decided - _day(opened["received_on"])).days
            out[(month, DECISION_DAYS, str(days))] += 1
    closed = facts.get("closed")
    if closed is not None and closed["reason"] == "withdrawn":
        out[(month_of(_day(closed["on"])), "applications_withdrawn", "")] += 1
    overdue = facts.get("overdue")
    if overdue is not None:
        out[(month_of(_day(overdue["on"])), "decisions_overdue", "")] += 1
    grant = next((d for d in decisions if d["type"] == "grant"), None)
    if grant is not None:
        _grant(grant, decisions, out, facts.get("ended"))


def _after_signature(
    fact: Mapping[str, Any],
    segments: list[Segment],
    suspended: list[tuple[date, date | None]],
    out: defaultdict[Cell, Decimal],
    end: date,
) -> date:
    """Apply a later entry into force, an objection that holds an act back, or the body
    upholding it (issue #17, legal.md §5 item 3); returns the grant's last day."""
    kind, day = fact["act"], _day(fact["from"])
    match (fact["type"], kind):
        case ("in_effect_later", "termination"):
            end = day - timedelta(days=1)
        case ("in_effect_later", "suspension") if suspended:
            suspended[-1] = (day, suspended[-1][1])
        case ("in_effect_later", "amendment"):
            last = segments[-1]
            segments[-1] = Segment(day, last.unit, last.hours)
        case ("held_back", "termination"):
            first = _day(fact["first"])
            out[(month_of(first), "terminations", "")] -= 1
            if day > first:  # in effect from its first day until the filing: a gap
                suspended.append((first, day))
        case ("held_back", "suspension") if suspended:
            first = suspended[-1][0]
            out[(month_of(first), "suspensions", "")] -= 1
            if day > first:
                suspended[-1] = (first, day)
            else:
                suspended.pop()
        case ("held_back", "amendment"):
            segments.append(Segment(day, fact["unit"], Decimal(fact["hours"])))
            end = _day(fact["until"])
        case ("upheld", "termination"):
            out[(month_of(day), "terminations", "")] += 1
            end = min(end, day - timedelta(days=1))
        case ("upheld", "suspension"):
            out[(month_of(day), "suspensions", "")] += 1
            suspended.append((day, None))
        case ("upheld", "amendment"):
            segments.append(Segment(day, fact["unit"], Decimal(fact["hours"])))
            end = _day(fact["until"])
    return end


@dataclass(frozen=True)
class Segment:
    start: date
    unit: str
    hours: Decimal


def _grant(
    grant: Mapping[str, Any],
    decisions: list[Mapping[str, Any]],
    out: defaultdict[Cell, Decimal],
    ended: Mapping[str, Any] | None = None,
) -> None:
    out[(month_of(_day(grant["from"])), "grants_new", "")] += 1
    start, end = _day(grant["from"]), _day(grant["until"])
    segments = [Segment(start, str(grant["unit"]), Decimal(grant["hours"]))]
    suspended: list[tuple[date, date | None]] = []
    end_before_termination = end
    for decision in decisions:
        match decision["type"]:
            case "in_effect_later" | "held_back" | "upheld":
                # Issue #17: what is in effect, never what is merely decided.
                end = _after_signature(decision, segments, suspended, out, end)
                if decision["act"] == "termination" and decision["type"] == "held_back":
                    end = end_before_termination
            case "amendment":
                segments.append(
                    Segment(_day(decision["from"]), decision["unit"], Decimal(decision["hours"]))
                )
                end = _day(decision["until"])
                end_before_termination = end
            case "suspension":
                out[(month_of(_day(decision["from"])), "suspensions", "")] += 1
                if not suspended or suspended[-1][1] is not None:
                    suspended.append((_day(decision["from"]), None))
            case "resumption":
                if suspended and suspended[-1][1] is None:
                    suspended[-1] = (suspended[-1][0], _day(decision["from"]))
            case "termination":
                out[(month_of(_day(decision["from"])), "terminations", "")] += 1
                end_before_termination = end
                end = min(end, _day(decision["from"]) - timedelta(days=1))
    if ended is not None:  # legal.md §2: the grant's end, or the death: no act
        end = min(end, _day(ended["last_day"]))
    segments.sort(key=lambda s: s.start)
    hours_by_month: defaultdict[str, Decimal] = defaultdict(Decimal)
    for first, last in _pieces(_active(start, end, suspended), segments):
        segment = next((s for s in reversed(segments) if s.start <= first), segments[0])
        days = (last - first).days + 1
        hours_by_month[month_of(first)] += _daily_hours(segment, first) * days
    group = "clients_children" if grant["child"] else "clients_adults"
    for month, hours in hours_by_month.items():
        out[(month, "clients_active", "")] += 1
        out[(month, group, "")] += 1
        if grant["vision"]:
            out[(month, "clients_vision", "")] += 1
        out[(month, "hours_granted", "")] += hours.quantize(CENT, ROUND_HALF_UP)


ONE_DAY = timedelta(days=1)


def _active(
    start: date, end: date, suspended: list[tuple[date, date | None]]
) -> list[tuple[date, date]]:
    """[start, end] less the suspended stretches (each up to the day before resumption)."""
    pieces = [(start, end)] if start <= end else []
    for stopped, resumed in suspended:
        cut: list[tuple[date, date]] = []
        for first, last in pieces:
            stop_last = last if resumed is None else min(last, resumed - ONE_DAY)
            if stopped > last or stop_last < first or stop_last < stopped:
                cut.append((first, last))
                continue
            if first < stopped:
                cut.append((first, stopped - ONE_DAY))
            if stop_last < last:
                cut.append((stop_last + ONE_DAY, last))
        pieces = cut
    return pieces


def _pieces(
    active: list[tuple[date, date]], segments: list[Segment]
) -> Iterable[tuple[date, date]]:
    """The active stretches cut at each month start and each change of hours."""
    for first, last in active:
        cuts = {s.start for s in segments if first < s.start <= last}
        day = date(first.year, first.month, 1)
        while day <= last:
            if day > first:
                cuts.add(day)
            day = (day + timedelta(days=32)).replace(day=1)
        begin = first
        for cut in sorted(cuts):
            yield begin, cut - ONE_DAY
            begin = cut
        yield begin, last


def _daily_hours(segment: Segment, day: date) -> Decimal:
    if segment.unit == "week":
        return segment.hours / 7
    return segment.hours / calendar.monthrange(day.year, day.month)[1]


# --- time reports, assistants, payments ----------------------------------------------------


def _newest(facts: StoredFacts, prefix: str) -> Mapping[str, Any] | None:
    keys = sorted(key for key in facts if key.startswith(prefix))
    return facts[keys[-1]] if keys else None


def _timesheet(facts: StoredFacts, out: defaultdict[Cell, Decimal]) -> None:
    submitted = _newest(facts, "submitted-")
    if submitted is not None:
        out[(submitted["month"], "hours_reported", "")] += Decimal(submitted["hours"])
    approved = _newest(facts, "approved-")
    if approved is not None:
        out[(approved["month"], "hours_approved", "")] += Decimal(approved["hours"])
        if approved["amount"] is not None:
            out[(approved["month"], "amount_expected", "")] += Decimal(approved["amount"])
    overdue = facts.get("overdue")
    if overdue is not None:
        out[(overdue["month"], "timesheets_overdue", "")] += 1


def _worker(facts: StoredFacts, out: defaultdict[Cell, Decimal]) -> None:
    newest: dict[str, Mapping[str, Any]] = {}
    for key in sorted(facts):  # "timesheet-<pseudonym>-<version>": the newest version wins
        newest[key.rsplit("-", 1)[0]] = facts[key]
    months = {f["month"] for f in newest.values() if Decimal(f["hours"]) > 0}
    for month in months:
        out[(month, "assistants_active", "")] += 1


def _payee(facts: StoredFacts, out: defaultdict[Cell, Decimal]) -> None:
    for key, fact in facts.items():
        month = fact["month"]
        if key.startswith("payment-"):
            if Decimal(fact.get("net", "1")) > 0:  # a pure recovery pays nobody
                out[(month, "assistants_paid", "")] = Decimal(1)
            out[(month, "hours_paid", "")] += Decimal(fact["hours"])
            out[(month, "administration_amount", "")] += Decimal(fact["administration"])
            out[(month, "paid_gross", "")] += Decimal(fact["gross"])
            out[(month, "paid_employer_contributions", "")] += Decimal(fact["employer"])
            out[(month, "paid_total", "")] += Decimal(fact["total"])
            out[(month, PAYMENT_LINES, "")] += int(fact["lines"])
        elif key.startswith("returned-"):
            out[(month, "payments_returned", "")] += Decimal(fact["amount"])
        elif key.startswith("reissued-"):
            out[(month, "payments_reissued", "")] += Decimal(fact["amount"])


def _client(facts: StoredFacts, out: defaultdict[Cell, Decimal]) -> None:
    """rules.md §9 "clients served": paid hours in the month (as the payments are made)."""
    hours: defaultdict[str, Decimal] = defaultdict(Decimal)
    for key, fact in facts.items():
        if key.startswith("payment-"):
            hours[fact["month"]] += Decimal(fact["hours"])
    group = facts.get("group")
    for month, paid in hours.items():
        if paid <= 0:
            continue
        out[(month, "clients_served", "")] += 1
        if group is None:
            continue  # the grant is not known yet: counted in the total only
        out[
            (month, "clients_served_children" if group["child"] else "clients_served_adults", "")
        ] += 1
        if group["vision"]:
            out[(month, "clients_served_vision", "")] += 1
