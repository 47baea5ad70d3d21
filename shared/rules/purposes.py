"""Monthly hours of an adult under LV-2021 by purpose and intensity level (rules.md §4.2a).

Every number is a dated row citing its source. An amendment is a new row of the same purpose
with a later `effective_from`; the row in force on the decision date applies (rules.md §2).
All rows are marked *to verify against Reg. 316 Annex 1* in rules.md §4.2a.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.rules.vocabulary import Purpose

# rules.md §4.2a, §4.3: Cabinet Reg. No. 315 of 24.05.2022 amending Reg. 316, in force from
# 26.05.2022 (the childhood rows, the children's 100 h/month and the p. 17 exception).
REG_315_IN_FORCE = date(2022, 5, 26)
REG_316_IN_FORCE = date(2021, 7, 1)
_ANNEX = "Reg. 316 Annex 1 (LM summary; rules.md §4.2a)"
_REG_315 = "Reg. 316 Annex 1 as amended by Reg. No. 315 of 24.05.2022 (rules.md §4.2a)"


@dataclass(frozen=True)
class PurposeRow:
    """Hours per month for intensity level 1 and 2 of one purpose, from a date on."""

    purpose: Purpose
    effective_from: date
    level_1: Decimal
    level_2: Decimal
    source: str

    def hours(self, level: int) -> Decimal:
        return self.level_1 if level == 1 else self.level_2


def _row(purpose: Purpose, since: date, one: int, two: int, source: str) -> PurposeRow:
    return PurposeRow(purpose, since, Decimal(one), Decimal(two), source)


LV_2021_PURPOSE_HOURS: tuple[PurposeRow, ...] = (
    _row(Purpose.WORK_STUDY_SPORT, REG_316_IN_FORCE, 80, 160, _ANNEX),
    _row(Purpose.SCHOOL_BOARD, REG_316_IN_FORCE, 60, 120, _ANNEX),
    _row(Purpose.VOLUNTEER_DAYCARE_TREATMENT, REG_316_IN_FORCE, 40, 80, _ANNEX),
    _row(Purpose.CHILDHOOD_GROUP1_DAYCARE, REG_316_IN_FORCE, 40, 80, _ANNEX),
    _row(Purpose.CHILDHOOD_GROUP1_DAYCARE, REG_315_IN_FORCE, 50, 100, _REG_315),
    _row(Purpose.CHILDHOOD_GROUP1_OTHER, REG_316_IN_FORCE, 15, 30, _ANNEX),
    _row(Purpose.CHILDHOOD_GROUP1_OTHER, REG_315_IN_FORCE, 30, 60, _REG_315),
)


def purpose_row(rows: Iterable[PurposeRow], purpose: Purpose, on: date) -> PurposeRow | None:
    """rules.md §2, §4.2a: the row of `purpose` in force on `on` (the decision date)."""
    in_force = [row for row in rows if row.purpose == purpose and row.effective_from <= on]
    return max(in_force, key=lambda row: row.effective_from, default=None)
