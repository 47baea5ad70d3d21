"""How long a grant may run (rules.md §4.4)."""

from datetime import date, timedelta

from shared.rules.dates import age_on, birthday, end_of_months
from shared.rules.errors import PeriodError
from shared.rules.tables import rule_set_for
from shared.rules.vocabulary import PeriodKind


def max_period_end(
    period_start: date,
    *,
    disability_valid_until: date | None = None,
    opinion_valid_until: date | None = None,
    birth_date: date | None = None,
    decided_on: date | None = None,
) -> date:
    """rules.md §4.4: the latest last day of a period that starts on `period_start`.

    The rule set is the one in force on `decided_on` (rules.md §2; None: the period start).
    LV-2013: one year, and never after 31.12.2021 (rules.md §2); LV-2021: three years. Never
    past the disability status or the commission opinion the grant rests on. With
    `birth_date`, a child's grant ends at the latest the day before the 18th birthday
    (rules.md §3.2: the child's opinion is about a child; the adult rules need another
    opinion). Raises `PeriodError` when a limit ends before the period starts.
    """
    rule_set = rule_set_for(decided_on or period_start)
    end = end_of_months(period_start, rule_set.max_period_months)
    limits = {
        "disability status": disability_valid_until,
        "opinion": opinion_valid_until,
        f"last day of {rule_set.id} grants": rule_set.grants_end_by,
    }
    if birth_date is not None and 0 <= age_on(birth_date, period_start) < rule_set.adult_age:
        limits["childhood"] = birthday(birth_date, rule_set.adult_age) - timedelta(days=1)
    for name, limit in limits.items():
        if limit is None:
            continue
        if limit < period_start:
            raise PeriodError(
                f"the {name} ends on {limit.isoformat()}, before the period starts "
                f"on {period_start.isoformat()} (rules.md §4.4)"
            )
        end = min(end, limit)
    return end


def period_end_for(
    kind: PeriodKind | str,
    start: date,
    *,
    months: int | None = None,
    disability_valid_until: date | None = None,
    opinion_valid_until: date | None = None,
    birth_date: date | None = None,
    decided_on: date | None = None,
) -> date:
    """rules.md §4.4: last day of a period of `kind` from `start`, within `max_period_end`.

    `several_months` needs `months` (2–12); the other kinds take none. The rule set is the
    one in force on `decided_on` (rules.md §2; None: the start).
    """
    kind = PeriodKind(kind)
    rule_set = rule_set_for(decided_on or start)
    if kind not in rule_set.period_kinds:
        raise PeriodError(f"{kind} is not a period of {rule_set.id} (rules.md §4.4)")
    if (kind is PeriodKind.SEVERAL_MONTHS) != (months is not None):
        raise PeriodError("months is required for several_months and only for it")
    limit = max_period_end(
        start,
        disability_valid_until=disability_valid_until,
        opinion_valid_until=opinion_valid_until,
        birth_date=birth_date,
        decided_on=decided_on,
    )
    if kind is PeriodKind.ONE_TIME:
        end = start  # a single day
    elif kind is PeriodKind.ONE_MONTH:
        end = end_of_months(start, 1)
    elif kind is PeriodKind.SEVERAL_MONTHS:
        assert months is not None
        if not 2 <= months <= 12:
            raise PeriodError(f"several_months takes 2 to 12 months, got {months}")
        end = end_of_months(start, months)
    elif kind is PeriodKind.END_OF_YEAR:
        end = date(start.year, 12, 31)
    elif kind is PeriodKind.ONE_YEAR:
        end = end_of_months(start, 12)
    else:  # DISABILITY_VALIDITY: as long as the status, within the rule set's maximum
        end = limit
    return min(end, limit)


def lv_2013_period_kind(
    start: date, end: date, limit: date
) -> tuple[PeriodKind, int | None] | None:
    """rules.md §4.4 (`LV-2013`): the kind of period from `start` to `end`, or None.

    The kinds are one day, one month, several months (2–12), to the end of the calendar
    year and one year; each is cut at `limit` (the longest the rules allow: disability
    status, opinion, childhood, rule set, `max_period_end`), because a grant never outlives
    what it rests on. Returns the kind and, for several months, their number.
    """
    candidates: list[tuple[PeriodKind, int | None, date]] = [
        (PeriodKind.ONE_TIME, None, start),
        (PeriodKind.ONE_MONTH, None, end_of_months(start, 1)),
        (PeriodKind.END_OF_YEAR, None, date(start.year, 12, 31)),
        (PeriodKind.ONE_YEAR, None, end_of_months(start, 12)),
        *((PeriodKind.SEVERAL_MONTHS, m, end_of_months(start, m)) for m in range(2, 12)),
    ]
    for kind, months, kind_end in candidates:
        if min(kind_end, limit) == end:
            return kind, months
    return None
