"""Small builders for the decisions domain tests: a case in a given state, by its events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from services.decisions.case.commands import OpenCase, RecordAssessment
from services.decisions.case.decide import CaseCommand, decide
from services.decisions.case.grant_terms import (
    AssessmentFacts,
    NeedsAssessmentInput,
    VerifiedActivityInput,
    VerifiedPurposeInput,
)
from services.decisions.case.grants import Decide
from services.decisions.case.hearing import HearingRecord
from services.decisions.case.state import CaseState, evolve
from shared.contracts.decisions import ClientData, Hearing, HearingMethod

RECEIVED = date(2026, 3, 2)  # a Monday; the deadline is Thursday 2 April 2026
DECIDED = date(2026, 3, 20)
START = date(2026, 4, 1)
VALID_UNTIL = date(2027, 12, 31)
ASSESSED = date(2026, 3, 10)  # the social service's needs assessment (rules.md §3.1)
# rules.md §2: a decision taken before 01.07.2021 is an LV-2013 decision, whatever the period.
LV_2013_RECEIVED = date(2021, 6, 1)
LV_2013_DECIDED = date(2021, 6, 28)
LV_2013_START = date(2021, 7, 1)


def needs(result: str = "intensity_level_1", on: date = ASSESSED) -> NeedsAssessmentInput:
    return NeedsAssessmentInput(result=result, assessor="Inga Vanaga", assessed_on=on)


def purpose(name: str = "work_study_sport", proof: str = "Darba līgums Nr. 7") -> Any:
    return VerifiedPurposeInput(purpose=name, proof=proof)


def open_case(
    birth_date: date = date(1985, 3, 12), received_on: date = RECEIVED, **changes: Any
) -> OpenCase:
    fields: dict[str, Any] = {
        "application_id": "app-1",
        "municipality": "daugavpils",
        "received_on": received_on,
        "client": ClientData(
            personal_code="12038512342",
            first_name="Jānis",
            last_name="Bērziņš",
            birth_date=birth_date,
        ),
        "has_representative": False,
        "claimed_activities": (),
        "receives_vision_benefit": False,
        "weekly_medical_procedures": False,
        "requested_start": None,
    }
    return OpenCase(**(fields | changes))


def adult(**changes: Any) -> AssessmentFacts:
    """Group II. For LV-2013: the commission's opinion; work 20 h and leisure 5 h a week.
    For LV-2021: a mobility limitation, the social service's assessment at intensity level 1
    and the purpose work_study_sport with its proof (80 h/month, rules.md §4.2a)."""
    fields: dict[str, Any] = {
        "disability_group": 2,
        "opinion": "assistant_needed",
        "disability_valid_until": VALID_UNTIL,
        "activities": [
            VerifiedActivityInput(kind="work", hours_per_week=Decimal(20)),
            VerifiedActivityInput(kind="leisure", hours_per_week=Decimal(5)),
        ],
        "functional_limitations": ["mobility"],
        "needs_assessment": needs(),
        "purposes": [purpose()],
    }
    return AssessmentFacts(**(fields | changes))


# APL 62: the person was asked by letter and answered; tests of unfavourable acts that are
# not about the hearing itself pass this (issue #17: such acts need a hearing).
HEARD = HearingRecord(
    hearing=Hearing(
        method=HearingMethod.LETTER,
        asked_on=date(2020, 1, 2),
        answer_by=date(2020, 1, 16),
        answered_on=date(2020, 1, 9),
        view="Persona nepiekrīt",
        weighed="Viedoklis izvērtēts, bet tas nemaina konstatētos faktus",
    )
)


def decision(**changes: Any) -> Decide:
    fields: dict[str, Any] = {
        "period_start": START,
        "period_end": None,
        "hours": None,
        "reduction_reason": None,
        "today": DECIDED,
        "hearing": HEARD,
    }
    return Decide(**(fields | changes))


def run(commands: Iterable[CaseCommand], state: CaseState | None = None) -> CaseState:
    """Apply commands one after another, as the handler does: decide, then evolve."""
    state = state or CaseState()
    for command in commands:
        for event in decide(command, state):
            state = evolve(state, event)
    return state


def replay(events: Iterable[BaseModel]) -> CaseState:
    state = CaseState()
    for event in events:
        state = evolve(state, event)
    return state


def assessed(
    facts: AssessmentFacts | None = None, today: date = DECIDED, **opened: Any
) -> CaseState:
    return run([open_case(**opened), RecordAssessment(facts or adult(), today)])


def lv_2013_assessed(facts: AssessmentFacts | None = None) -> CaseState:
    """A case received and assessed in June 2021, to be decided under LV-2013 (no Annex 1
    assessment existed then)."""
    lv_2013 = (facts or adult()).model_copy(update={"needs_assessment": None})
    return assessed(lv_2013, today=LV_2013_DECIDED, received_on=LV_2013_RECEIVED)


def lv_2013_decision(**changes: Any) -> Decide:
    return decision(**({"period_start": LV_2013_START, "today": LV_2013_DECIDED} | changes))


def granted(**decided: Any) -> CaseState:
    return run([decision(**decided)], assessed())
