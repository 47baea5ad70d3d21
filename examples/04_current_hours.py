"""Recipe: the hours a person has, day by day, from the decisions' events (docs/partners.md).

A municipal ERP (partner ``partner-daugavpils-erp``, entitled to ``asist.daugavpils.
decisions.>``) folds a case's decisions into a timeline of granted hours:

- ``HoursGranted``: hours per unit from ``period_start`` to ``period_end`` (rules.md §4.5);
- ``GrantAmended``: from ``effective_from`` the new hours (and unit), until the new
  ``period_end`` (rules.md §5.5);
- ``ServiceSuspended`` / ``ServiceResumed``: no service from ``suspended_from`` until the
  day before ``resumed_on`` (rules.md §3.3);
- ``ServiceTerminated``: no service from ``terminated_from`` on (rules.md §5.6);
- ``ApplicationRefused`` / ``CaseClosed``: the case never had hours.

Hours are per ``unit``: ``week`` (LV-2013, rules.md §4.1) or ``month`` (LV-2021, §4.2a,
§4.3). Never add hours of different units; a grant keeps its unit unless an amendment
changes it. Events are de-duplicated by ``id`` (delivery is at-least-once), and the fold
does not depend on the order the events arrive in. Types it does not know are skipped
(ignore-unknown): add a handler to ``FOLD`` when a new decision event ships.

It reads the partner's own durable ``partner-daugavpils-erp-decisions`` (made by the
operator, docs/partners.md §3): the whole history from the first decision, then what comes
while it runs, and next time what was published while it was away. It acks an event once
folded; this example keeps the fold in memory, so a real ERP stores the fold and acks
after storing it, or a restart would start from an empty fold with only the new events.

    .venv/bin/python examples/04_current_hours.py [nats://127.0.0.1:14222] [how many events]
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import nats

LOCAL_URL = "nats://127.0.0.1:14222"
PARTNER = "partner-daugavpils-erp"
# The partner's durable on the decisions' stream (filter asist.daugavpils.decisions.>),
# and where its account sees the services' JetStream API (deploy/nats_accounts.py).
DURABLE = "partner-daugavpils-erp-decisions"
STREAM = "DECISIONS"
API_PREFIX = "ASIST.API"
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Rate:
    """Hours per unit from ``since`` on; a later decision of the same day wins."""

    since: date
    decision_number: int
    hours: Decimal
    unit: str


@dataclass
class CaseHours:
    """Everything the fold needs of one case, in any order it arrived."""

    case_id: str
    municipality: str = ""
    rates: list[Rate] = field(default_factory=list)
    period_end: tuple[int, date] | None = None  # (decision number, last day)
    suspended: list[date] = field(default_factory=list)
    resumed: list[date] = field(default_factory=list)
    ended_from: date | None = None
    outcome: str = "open"  # granted, refused, closed

    def hours_on(self, day: date) -> tuple[Decimal, str] | None:
        """The hours per unit on ``day``; None without the service that day."""
        if not self.rates or self.period_end is None or day > self.period_end[1]:
            return None
        if self.ended_from is not None and day >= self.ended_from:
            return None
        if any(start <= day < end for start, end in self.pauses()):
            return None
        current = [r for r in sorted(self.rates, key=_order) if r.since <= day]
        return (current[-1].hours, current[-1].unit) if current else None

    def pauses(self) -> list[tuple[date, date]]:
        """Suspensions paired with the resumptions that ended them (open: until further
        notice)."""
        ends = sorted(self.resumed)
        return [
            (start, ends[i] if i < len(ends) else date.max)
            for i, start in enumerate(sorted(self.suspended))
        ]

    def timeline(self) -> list[tuple[date, date | None, Decimal, str]]:
        """(first day, last day or None when open-ended, hours, unit) with the service."""
        if not self.rates:
            return []
        days = {r.since for r in self.rates}
        days |= {d for pause in self.pauses() for d in pause if d != date.max}
        if self.ended_from is not None:
            days.add(self.ended_from)
        if self.period_end is not None and self.period_end[1] < date.max:
            days.add(self.period_end[1] + DAY)
        bounds = sorted(days)
        spans: list[tuple[date, date | None, Decimal, str]] = []
        for start, following in zip(bounds, [*bounds[1:], None], strict=True):
            hours = self.hours_on(start)
            if hours is None:
                continue
            last = following - DAY if following is not None else None
            if spans and spans[-1][2:] == hours and spans[-1][1] == start - DAY:
                spans[-1] = (spans[-1][0], last, *hours)  # the same hours go on
            else:
                spans.append((start, last, *hours))
        return spans


def _order(rate: Rate) -> tuple[date, int]:
    return rate.since, rate.decision_number


def _granted(case: CaseHours, data: dict[str, Any]) -> None:
    case.outcome = "granted"
    rate = Rate(
        date.fromisoformat(data["period_start"]),
        data["decision_number"],
        Decimal(data["hours"]),
        data["unit"],
    )
    case.rates.append(rate)
    _extend(case, data["decision_number"], data["period_end"])


def _amended(case: CaseHours, data: dict[str, Any]) -> None:
    rate = Rate(
        date.fromisoformat(data["effective_from"]),
        data["decision_number"],
        Decimal(data["hours"]),
        data["unit"],
    )
    case.rates.append(rate)
    _extend(case, data["decision_number"], data["period_end"])


def _extend(case: CaseHours, number: int, period_end: str) -> None:
    if case.period_end is None or number > case.period_end[0]:
        case.period_end = (number, date.fromisoformat(period_end))


def _suspended(case: CaseHours, data: dict[str, Any]) -> None:
    case.suspended.append(date.fromisoformat(data["suspended_from"]))


def _resumed(case: CaseHours, data: dict[str, Any]) -> None:
    case.resumed.append(date.fromisoformat(data["resumed_on"]))


def _terminated(case: CaseHours, data: dict[str, Any]) -> None:
    case.ended_from = date.fromisoformat(data["terminated_from"])


def _refused(case: CaseHours, data: dict[str, Any]) -> None:
    case.outcome = "refused"


def _closed(case: CaseHours, data: dict[str, Any]) -> None:
    case.outcome = "closed"


# Event name -> what it does to the case. Extend here when decisions publishes a new event.
FOLD: dict[str, Callable[[CaseHours, dict[str, Any]], None]] = {
    "HoursGranted": _granted,
    "GrantAmended": _amended,
    "ServiceSuspended": _suspended,
    "ServiceResumed": _resumed,
    "ServiceTerminated": _terminated,
    "ApplicationRefused": _refused,
    "CaseClosed": _closed,
}


@dataclass
class Ledger:
    """The fold over every event seen, de-duplicated by event id."""

    cases: dict[str, CaseHours] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    def apply(self, raw: bytes) -> CaseHours | None:
        """Fold one message; returns the case it changed, None for a repeat or a type the
        recipe does not use (ignore-unknown)."""
        event = json.loads(raw)
        name = event["type"].split(".")[3]  # lv.asist.<service>.<EventType>.v<N>
        if event["id"] in self.seen or name not in FOLD:
            return None
        self.seen.add(event["id"])
        data = event["data"]
        case = self.cases.setdefault(data["case_id"], CaseHours(data["case_id"]))
        case.municipality = event["municipality"]
        FOLD[name](case, data)
        return case


def describe(case: CaseHours) -> list[str]:
    """The case's timeline as lines: ``<case> <first>..<last> <hours> h/<unit>``."""
    spans = case.timeline()
    if not spans:
        return [f"{case.case_id} {case.outcome}: no hours"]
    return [
        f"{case.case_id} {first}..{last or ''} {hours} h/{unit}"
        for first, last, hours, unit in spans
    ]


def fold(messages: Iterable[bytes]) -> Ledger:
    """The recipe without a connection: fold stored or replayed messages."""
    ledger = Ledger()
    for raw in messages:
        ledger.apply(raw)
    return ledger


async def current_hours(
    url: str,
    user: str,
    password: str,
    *,
    durable: str = DURABLE,
    limit: int = 100,
    max_seconds: float | None = 60.0,
    idle_seconds: float | None = None,
) -> list[str]:
    """Fold the durable's events, print (and return) a case's timeline each time it
    changes; stops after ``limit`` events, ``max_seconds`` (None: never) or, when
    ``idle_seconds`` is given, once nothing came for that long (caught up)."""
    lines: list[str] = []
    ledger = Ledger()
    nc = await nats.connect(url, user=user, password=password)
    sub = await nc.jetstream(prefix=API_PREFIX).pull_subscribe_bind(durable, stream=STREAM)
    handled = 0
    try:
        async with asyncio.timeout(max_seconds):
            while handled < limit:
                try:
                    messages = await sub.fetch(min(10, limit - handled), timeout=idle_seconds or 5)
                except nats.errors.TimeoutError:
                    if idle_seconds is not None:
                        break  # caught up
                    continue
                for msg in messages:
                    case = ledger.apply(msg.data)  # None: a repeat, or a type not folded
                    if case is not None:
                        for line in [f"# {case.case_id} changed", *describe(case)]:
                            print(line)
                            lines.append(line)
                    await msg.ack()  # folded: at-least-once, a repeat is skipped by id
                    handled += 1
        await nc.flush()
    except TimeoutError:
        pass
    finally:
        await sub.unsubscribe()  # not drain(): see 02_replay.py
        await nc.close()
    return lines


def credentials(default_user: str) -> tuple[str, str]:
    """ASIST_NATS_USER / ASIST_NATS_PASSWORD, else ``default_user`` of the local stack."""
    if os.environ.get("ASIST_NATS_USER"):
        return os.environ["ASIST_NATS_USER"], os.environ.get("ASIST_NATS_PASSWORD", "")
    secrets = Path(__file__).resolve().parents[1] / ".local" / "stack" / "secrets.json"
    return default_user, json.loads(secrets.read_text())["nats_passwords"][default_user]


if __name__ == "__main__":
    user, password = credentials(PARTNER)
    url = sys.argv[1] if len(sys.argv) > 1 else LOCAL_URL
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    asyncio.run(current_hours(url, user, password, limit=limit, max_seconds=None))
