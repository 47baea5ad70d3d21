"""Event application as one small function per event (issue #8 point 2): every event of a
case has its ``evolve`` function, every event the read models show has its projection, and
no event type gets two."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from services.decisions.case.state import CaseState, evolve, evolved_event_types, evolves
from services.decisions.read_models.projections import projected_event_types, projects
from shared.contracts.decisions import (
    SERVICE,
    ApplicationForwarded,
    AssessmentRecorded,
    CaseOpened,
    DocumentRecorded,
    InformationRequested,
)
from shared.contracts.privacy import PersonalDataErased
from shared.events.registry import registry

DECISIONS_EVENTS = {spec.model for spec in registry if spec.service == SERVICE}
ASSISTANT_EVENTS = {model for model in DECISIONS_EVENTS if model.__name__.startswith("Assistant")}
# Events decisions publishes that change no case: the forwarding notice is for the other
# municipality (the case itself records CaseClosed); erasure is handled by shared.privacy.
NOT_CASE_STATE = {ApplicationForwarded, PersonalDataErased}
# Case facts no list or query column shows: they are read from the case's events.
NOT_IN_READ_MODELS = {AssessmentRecorded, DocumentRecorded, InformationRequested}


def test_every_event_of_a_case_has_exactly_one_evolve_function() -> None:
    expected = DECISIONS_EVENTS - ASSISTANT_EVENTS - NOT_CASE_STATE
    assert evolved_event_types() == expected


def test_every_event_the_read_models_show_has_exactly_one_projection() -> None:
    expected = DECISIONS_EVENTS - NOT_CASE_STATE - NOT_IN_READ_MODELS
    assert projected_event_types() == expected


def test_a_second_function_for_the_same_event_is_refused() -> None:
    with pytest.raises(ValueError, match="CaseOpened already has an evolve function"):
        evolves(CaseOpened)(lambda state, event: state)
    with pytest.raises(ValueError, match="CaseOpened already has a projection"):

        async def again(conn: object, envelope: object, event: BaseModel) -> None:
            return None

        projects(CaseOpened)(again)


class Unrelated(BaseModel):
    note: str


def test_an_event_a_case_does_not_show_leaves_it_as_it_is() -> None:
    state = CaseState()
    assert evolve(state, Unrelated(note="not a case's event")) is state
