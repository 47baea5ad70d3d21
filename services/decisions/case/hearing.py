"""Before an unfavourable act: the hearing (APL 62) and no retroactive effect (pure).

legal.md §2: refusals, reductions, interruptions and terminations (other than on the
person's own written withdrawal) are unfavourable; the person is heard first unless an
APL 62(2) exception applies, and the act states the view and how it was weighed (§3 item 7).
legal.md §4 (amendment) and issue #17 item 5: an unfavourable change starts at the earliest
on the day it takes effect, unless it follows a dated fact the act names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.contracts.decisions import DatedFact, DatedFactKind, Hearing, HearingException
from shared.errors import Conflict, FieldError, InvalidCommand


class MissingStep(Conflict):
    """A step the law requires before the command is missing (409 naming ``step``)."""

    title = "A required step is missing"

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step

    def problem_fields(self) -> dict[str, Any]:
        """The step, for the caller's program too (docs/decisions.md, "Errors")."""
        return {"missing_step": self.step}


@dataclass(frozen=True)
class HearingRecord:
    """What the caseworker gives with an unfavourable act: a hearing or an exception."""

    hearing: Hearing | None = None
    exception: HearingException | None = None


NO_HEARING = HearingRecord()


def require_hearing(record: HearingRecord, act: str, today: date) -> None:
    """APL 62: an unfavourable act needs the person's view asked first, or a named exception.

    Raises ``MissingStep("hearing")`` when neither is given, or when the person's time to
    answer has not passed and no answer came; bad dates are a 422 naming the field.
    """
    if record.hearing is not None and record.exception is not None:
        raise InvalidCommand(
            [FieldError("hearing_exception", "give a hearing or an exception, not both")]
        )
    if record.exception is not None:
        return
    hearing = record.hearing
    if hearing is None:
        raise MissingStep(
            "hearing",
            f"hear the person first: {act} is unfavourable to the person (APL 62, legal.md §2). "
            "Record how, when and by when the person's view was asked, the view and how it "
            "was weighed (`hearing`), or name the APL 62(2) exception (`hearing_exception`)",
        )
    errors = []
    if hearing.asked_on > today:
        errors.append(FieldError("hearing.asked_on", "may not be after today"))
    if hearing.answer_by < hearing.asked_on:
        errors.append(FieldError("hearing.answer_by", "may not be before hearing.asked_on"))
    if hearing.answered_on is not None and not hearing.asked_on <= hearing.answered_on <= today:
        errors.append(
            FieldError("hearing.answered_on", "must fall between hearing.asked_on and today")
        )
    if errors:
        raise InvalidCommand(errors)
    if hearing.answered_on is None and hearing.answer_by >= today:
        raise MissingStep(
            "hearing",
            f"the person may still answer until {hearing.answer_by.isoformat()}: decide after "
            "that day, or once the view has arrived (`hearing.answered_on`) (APL 62)",
        )


# Which dated facts each kind of change may reach back to.
STAYS = frozenset(
    {DatedFactKind.HOSPITAL_STAY, DatedFactKind.INSTITUTION_STAY, DatedFactKind.PRISON_STAY}
)


def require_not_retroactive(
    first_day: date, first_day_field: str, fact: DatedFact | None, today: date
) -> None:
    """Issue #17 item 5, legal.md §4: an unfavourable change's first day is not before its
    decision (it takes effect on notification, at the earliest today) unless it follows a
    dated fact the act names; then not before that fact's day."""
    if fact is not None and fact.on > today:
        raise InvalidCommand([FieldError("dated_fact.on", "may not be after today")])
    if first_day >= today:
        return
    if fact is None:
        raise InvalidCommand(
            [
                FieldError(
                    first_day_field,
                    f"is before today ({today.isoformat()}): an unfavourable change has no "
                    "effect before it is notified, unless it follows a dated fact the act "
                    "names (a stay, a move of declared residence, the end of the disability "
                    "status): give `dated_fact`",
                    "RETROACTIVE_UNFAVOURABLE",
                )
            ]
        )
    if first_day < fact.on:
        raise InvalidCommand(
            [
                FieldError(
                    first_day_field,
                    f"may not be before the dated fact of {fact.on.isoformat()} it follows",
                    "RETROACTIVE_UNFAVOURABLE",
                )
            ]
        )


@dataclass(frozen=True, kw_only=True)
class Heard:
    """What an act that may be unfavourable carries besides its own terms (keywords only, so
    each command's own fields keep their places)."""

    person_view: str = ""  # legal.md §3 item 7: the person's view, how it was weighed
    hearing: HearingRecord = NO_HEARING  # APL 62, legal.md §2: unfavourable acts

    def heard(self) -> dict[str, Any]:
        """How the person was heard, as the act's event records it (its keywords)."""
        return {
            "person_view": self.person_view,
            "hearing": self.hearing.hearing,
            "hearing_exception": self.hearing.exception,
        }


@dataclass(frozen=True, kw_only=True)
class HeardReachingBack(Heard):
    """An act on a grant that may reach back to a fact dated before it (issue #17 item 5)."""

    dated_fact: DatedFact | None = None

    def heard(self) -> dict[str, Any]:
        return super().heard() | {"dated_fact": self.dated_fact}

    def require_may_change(
        self, first_day: date, first_day_field: str, act: str, today: date
    ) -> None:
        """legal.md §2, §4: an unfavourable change is heard first (APL 62), and has no effect
        before its entry into force unless it follows the dated fact it names."""
        require_not_retroactive(first_day, first_day_field, self.dated_fact, today)
        require_hearing(self.hearing, act, today)
