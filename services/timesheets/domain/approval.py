"""What a caseworker may approve (rules.md §7.2): the hours without findings, never more.

A report with findings can be submitted; approving it pays only the hours that no finding
touches, unless the caseworker overrides that finding with a recorded reason. The caseworker
may also approve fewer hours on an entry, with a reason, never more than reported.

- Entry findings (outside the period, after a termination, in a suspension, a future date,
  an activity not granted, an overlap) take the entry's hours to 0.
- Sum findings (the weekly or monthly grant, the assistant's 40 h/week) are settled by
  trimming: hours are added up day by day in the week or month, the other reports' hours
  first, and an entry gets only what still fits under the limit in force on its day.
So without overrides, approved hours never exceed the reported hours nor the grant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.timesheets.domain.entries import CENT, hours_of
from services.timesheets.domain.errors import FieldError, InvalidCommand
from shared.contracts.timesheets import ApprovedDay, Override, Reduction
from shared.rules import (
    Finding,
    FindingCode,
    GrantWindow,
    TimeEntry,
    check_activities,
    check_days,
    check_end_after_start,
    rule_set_for,
)
from shared.rules.sum_checks import counted_grant, unit_period
from shared.rules.timesheet_model import iso_week
from shared.rules.timesheets import overlap_code

SUM_CODES = frozenset(
    {
        FindingCode.WEEKLY_GRANT_EXCEEDED,
        FindingCode.MONTHLY_GRANT_EXCEEDED,
        FindingCode.ASSISTANT_WEEKLY_LIMIT_EXCEEDED,
    }
)
# No reason makes these payable: time not yet worked, or an entry that lasts no time.
NOT_OVERRIDABLE = frozenset({FindingCode.FUTURE_DATE, FindingCode.END_BEFORE_START})


@dataclass(frozen=True)
class Requested:
    """The caseworker's hours for one entry (fewer than reported), with the reason."""

    hours: Decimal
    reason: str


@dataclass(frozen=True)
class Approval:
    approved: list[Decimal]  # per entry, in the report's order
    reductions: list[Reduction]
    overrides: list[Override]


def _matches(override: Override, finding: Finding) -> bool:
    return override.code == finding.code and (override.day is None or override.day in finding.days)


def check_overrides(overrides: Sequence[Override], findings: Sequence[Finding]) -> None:
    errors = []
    for index, override in enumerate(overrides):
        where = f"overrides[{index}]"
        if override.code in NOT_OVERRIDABLE:
            errors.append(FieldError(f"{where}.code", f"{override.code} cannot be overridden"))
        elif not any(_matches(override, f) for f in findings):
            errors.append(FieldError(f"{where}.code", "no such finding on this report"))
        if not override.reason.strip():
            errors.append(FieldError(f"{where}.reason", "an override needs a reason"))
    if errors:
        raise InvalidCommand(errors)


def _overridden(code: str, day: date, overrides: Sequence[Override]) -> bool:
    return any(o.code == code and (o.day is None or o.day == day) for o in overrides)


def entry_findings(
    entries: Sequence[TimeEntry],
    grants: Sequence[GrantWindow],
    today: date,
    context: Sequence[TimeEntry],
) -> list[set[str]]:
    """Per entry, the codes of the findings that concern it alone (not the sums)."""
    by_day: dict[date, list[TimeEntry]] = defaultdict(list)
    for other in [*entries, *context]:
        if other.is_well_formed:
            by_day[other.day].append(other)
    codes: list[set[str]] = []
    for entry in entries:
        found: set[str] = {
            f.code
            for f in check_end_after_start([entry])
            + check_days([entry], grants, today)
            + check_activities([entry], grants)
        }
        begin, end = entry.wall_span
        for other in by_day.get(entry.day, []) if entry.is_well_formed else []:
            if other is entry:
                continue
            code = overlap_code(entry, other)
            other_begin, other_end = other.wall_span
            if code is not None and begin < other_end and other_begin < end:
                found.add(code)
        codes.append(found)
    return codes


def _requested(
    reported: list[Decimal], requested: dict[int, Requested]
) -> tuple[list[Decimal], list[str]]:
    errors: list[FieldError] = []
    hours = list(reported)
    reasons = [""] * len(reported)
    for index, wanted in sorted(requested.items()):
        where = f"entries[{index}]"
        if not 0 <= index < len(reported):
            errors.append(FieldError(f"{where}.index", "no such entry in this report"))
            continue
        if wanted.hours > reported[index]:
            errors.append(
                FieldError(
                    f"{where}.hours",
                    f"{wanted.hours} h approved, only {reported[index]} h reported",
                    FindingCode.APPROVED_MORE_THAN_REPORTED,
                )
            )
        elif wanted.hours < 0:
            errors.append(FieldError(f"{where}.hours", "must not be negative"))
        elif wanted.hours < reported[index] and not wanted.reason.strip():
            errors.append(FieldError(f"{where}.reason", "fewer hours need a reason"))
        hours[index] = wanted.hours.quantize(CENT)
        reasons[index] = wanted.reason.strip()
    if errors:
        raise InvalidCommand(errors)
    return hours, reasons


Slot = tuple[date, int, int | None, Decimal]  # day, order (context first), own index, hours


def _trim(
    mine: list[TimeEntry],
    hours: list[Decimal],
    context: Sequence[TimeEntry],
    group: Callable[[TimeEntry], Hashable | None],
    cap: Callable[[TimeEntry], Decimal],
    code_of: Callable[[TimeEntry], str],
    overrides: Sequence[Override],
    cut: dict[int, set[str]],
) -> None:
    """Cut own entries' hours so that each group's running sum stays under its day's cap."""
    slots: dict[Hashable, list[tuple[Slot, TimeEntry]]] = defaultdict(list)
    for entry in context:
        key = group(entry)
        if key is not None:
            slots[key].append(((entry.day, 0, None, hours_of(entry.seconds)), entry))
    for index, entry in enumerate(mine):
        key = group(entry)
        if key is not None:
            slots[key].append(((entry.day, 1, index, hours[index]), entry))
    for members in slots.values():
        if any(
            _overridden(code_of(e), e.day, overrides)
            for (_, _, i, _), e in members
            if i is not None
        ):
            continue
        running = Decimal(0)
        # The other reports' hours first (they were claimed before), then this report's by day.
        for (_, _, own, amount), entry in sorted(members, key=lambda m: (m[0][1], m[0][0])):
            if own is None:
                running += amount
                continue
            room = max(Decimal(0), cap(entry) - running)
            if amount > room:
                hours[own] = room
                cut[own].add(code_of(entry))
            running += hours[own]


def approve_hours(
    entries: list[TimeEntry],
    reported: list[Decimal],
    grants: Sequence[GrantWindow],
    today: date,
    context: Sequence[TimeEntry],
    findings: Sequence[Finding],
    requested: dict[int, Requested],
    overrides: Sequence[Override],
    extra: Sequence[set[str]] = (),
) -> Approval:
    """The approved hours per entry, the reductions with their reasons, the overrides used.

    ``extra``: more entry findings per entry, found by the caller (e.g. not assigned).
    """
    check_overrides(overrides, findings)
    hours, reasons = _requested(reported, requested)
    cut: dict[int, set[str]] = defaultdict(set)
    per_entry = entry_findings(entries, grants, today, context)
    for index, more in enumerate(extra):
        per_entry[index] |= more
    for index, codes in enumerate(per_entry):
        for code in codes:
            day = entries[index].day
            if not _overridden(code, day, overrides) or code in NOT_OVERRIDABLE:
                hours[index] = Decimal(0)
                cut[index].add(code)

    def grant_group(e: TimeEntry) -> Hashable | None:
        grant = counted_grant(e, grants)
        return None if grant is None else (e.client_id, grant.unit, unit_period(e.day, grant.unit))

    def grant_cap(e: TimeEntry) -> Decimal:
        grant = counted_grant(e, grants)
        return Decimal(0) if grant is None else grant.hours

    def grant_code(e: TimeEntry) -> str:
        grant = counted_grant(e, grants)
        weekly = grant is None or grant.unit == "week"
        return FindingCode.WEEKLY_GRANT_EXCEEDED if weekly else FindingCode.MONTHLY_GRANT_EXCEEDED

    same_client = [e for e in context if entries and e.client_id == entries[0].client_id]
    _trim(entries, hours, same_client, grant_group, grant_cap, grant_code, overrides, cut)

    def week_limit(e: TimeEntry) -> Decimal:
        year, week = iso_week(e.day)
        return rule_set_for(date.fromisocalendar(year, week, 7)).assistant_weekly_limit

    same_person = [e for e in context if entries and e.assistant_id == entries[0].assistant_id]
    _trim(
        entries,
        hours,
        same_person,
        lambda e: iso_week(e.day),
        week_limit,
        lambda e: FindingCode.ASSISTANT_WEEKLY_LIMIT_EXCEEDED,
        overrides,
        cut,
    )
    reductions = []
    for index, amount in enumerate(hours):
        if amount < reported[index]:
            why = [reasons[index]] if reasons[index] else []
            why += sorted(cut[index])
            reductions.append(
                Reduction(
                    entry_index=index,
                    reported_hours=reported[index],
                    approved_hours=amount,
                    reason="; ".join(why),
                )
            )
    used = [o for o in overrides if any(_matches(o, f) for f in findings)]
    return Approval(hours, reductions, used)


def approved_days(entries: Sequence[TimeEntry], hours: Sequence[Decimal]) -> list[ApprovedDay]:
    """Hours that count for pay, per day and activity (the unit payments price by)."""
    totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for entry, amount in zip(entries, hours, strict=True):
        if amount > 0:
            totals[(entry.day, entry.activity)] += amount
    return [ApprovedDay(day=d, activity=a, hours=h) for (d, a), h in sorted(totals.items())]


def difference(before: Sequence[ApprovedDay], after: Sequence[ApprovedDay]) -> list[ApprovedDay]:
    """New minus previously approved, per day and activity, signed; unchanged days left out."""
    totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for item in after:
        totals[(item.day, item.activity)] += item.hours
    for item in before:
        totals[(item.day, item.activity)] -= item.hours
    return [
        ApprovedDay(day=d, activity=a, hours=h) for (d, a), h in sorted(totals.items()) if h != 0
    ]
