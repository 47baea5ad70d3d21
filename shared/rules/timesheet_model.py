"""Plain data of time-report checks (rules.md §7): entries, grant windows, findings."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from shared.rules.riga_time import elapsed_seconds, seconds_of
from shared.rules.vocabulary import Unit


class FindingCode(StrEnum):
    """rules.md §7.2: why a time-report entry cannot be approved as reported."""

    END_BEFORE_START = "END_BEFORE_START"
    OUTSIDE_PERIOD = "OUTSIDE_PERIOD"
    # rules.md §5.6, §7.2: the service ended (terminated) before this day.
    AFTER_TERMINATION = "AFTER_TERMINATION"
    # rules.md §6.1–6.2: the assistant was not assigned to the client on this day.
    NOT_ASSIGNED = "NOT_ASSIGNED"
    IN_SUSPENSION = "IN_SUSPENSION"
    FUTURE_DATE = "FUTURE_DATE"
    ACTIVITY_NOT_GRANTED = "ACTIVITY_NOT_GRANTED"
    WEEKLY_GRANT_EXCEEDED = "WEEKLY_GRANT_EXCEEDED"
    MONTHLY_GRANT_EXCEEDED = "MONTHLY_GRANT_EXCEEDED"
    ASSISTANT_WEEKLY_LIMIT_EXCEEDED = "ASSISTANT_WEEKLY_LIMIT_EXCEEDED"
    OVERLAP_ASSISTANT_TWO_CLIENTS = "OVERLAP_ASSISTANT_TWO_CLIENTS"
    OVERLAP_CLIENT_TWO_ASSISTANTS = "OVERLAP_CLIENT_TWO_ASSISTANTS"
    # Extra: the same assistant reports the same client twice for the same time.
    OVERLAP_SAME_ASSISTANT_AND_CLIENT = "OVERLAP_SAME_ASSISTANT_AND_CLIENT"
    # rules.md §7.2: "a caseworker may approve fewer hours than reported, never more".
    APPROVED_MORE_THAN_REPORTED = "APPROVED_MORE_THAN_REPORTED"


@dataclass(frozen=True)
class TimeEntry:
    """One reported stretch of work (rules.md §7.1): a Latvian calendar day and wall times."""

    assistant_id: str
    client_id: str
    day: date
    start: time
    end: time  # 00:00 means the midnight that ends the day
    activity: str

    @cached_property
    def seconds(self) -> int:
        """Real time worked (summer-time aware); 0 when the end is not after the start."""
        return max(0, elapsed_seconds(self.day, self.start, self.end))

    @property
    def hours(self) -> Decimal:
        return Decimal(self.seconds) / Decimal(3600)

    @cached_property
    def wall_span(self) -> tuple[int, int]:
        """[start, end) in wall-clock seconds of the day, for overlap checks."""
        return seconds_of(self.start), seconds_of(self.end, is_end=True)

    @property
    def is_well_formed(self) -> bool:
        begin, finish = self.wall_span
        return finish > begin


@dataclass(frozen=True)
class GrantWindow:
    """What a decision granted one client for one period (rules.md §4.5), as checks see it.

    `activities` None means any activity (a child's monthly hours: the family decides,
    rules.md §4.3). Suspensions are inclusive `(first, last)` days; `last` None = still on.
    """

    client_id: str
    unit: Unit
    hours: Decimal
    activities: frozenset[str] | None
    period_start: date
    period_end: date
    suspensions: tuple[tuple[date, date | None], ...] = ()
    # rules.md §5.6: first day without the service after a termination; None = not terminated.
    terminated_from: date | None = None

    def __post_init__(self) -> None:
        # Accept the plain strings and lists of other services; keep the types exact.
        object.__setattr__(self, "unit", Unit(self.unit))
        object.__setattr__(self, "hours", Decimal(self.hours))
        if self.activities is not None:
            object.__setattr__(self, "activities", frozenset(self.activities))
        object.__setattr__(self, "suspensions", tuple(tuple(s) for s in self.suspensions))

    def covers(self, day: date) -> bool:
        return self.period_start <= day <= self.period_end

    def terminated_on(self, day: date) -> bool:
        return self.terminated_from is not None and day >= self.terminated_from

    def suspended_on(self, day: date) -> bool:
        return any(
            first <= day and (last is None or day <= last) for first, last in self.suspensions
        )


@dataclass(frozen=True)
class Finding:
    """One failed check: a reason code, the days involved, and a readable detail."""

    code: FindingCode
    days: tuple[date, ...]
    detail: str
    assistant_id: str | None = None
    client_id: str | None = None
    section: str = field(default="rules.md §7.2")

    @classmethod
    def about(
        cls, entry: TimeEntry, code: FindingCode, detail: str, section: str = "rules.md §7.2"
    ) -> "Finding":
        """A finding on one entry."""
        return cls(code, (entry.day,), detail, entry.assistant_id, entry.client_id, section)


def span_text(entry: TimeEntry) -> str:
    return f"{entry.start:%H:%M}–{entry.end:%H:%M}"


def iso_week(day: date) -> tuple[int, int]:
    """ISO year and week: weeks run Monday to Sunday and may cross a month (rules.md §7.2)."""
    iso = day.isocalendar()
    return iso.year, iso.week


def grant_for(entry: TimeEntry, grants: Iterable[GrantWindow]) -> GrantWindow | None:
    """The client's grant covering the entry's day; the latest-starting one if several.

    Decision (docs/rules.md): an amended grant starts later than the one it amends.
    """
    matching = [g for g in grants if g.client_id == entry.client_id and g.covers(entry.day)]
    return max(matching, key=lambda g: g.period_start, default=None)
