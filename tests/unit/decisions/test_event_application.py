"""Event application as one small function per event (issue #8 point 2): every event of a
case has its ``evolve`` function, every event the read models show has its projection, and
no event type gets two. Likewise every command on a case has one rule (``@decides``), and
an assistant's stream (assistant/domain.py) has the same shape: one ``evolve`` function per
assistant event, one rule per command; and so has what a case's events do to the
assistants' assignments (handlers/follow_up.py)."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import BaseModel

from services.decisions.assistant import domain as assistant
from services.decisions.assistant.domain import AssistantCommand, AssistantState
from services.decisions.case.commands import OpenCase
from services.decisions.case.decide import CaseCommand, decide
from services.decisions.case.state import (
    CaseState,
    decided_command_types,
    decides,
    evolve,
    evolved_event_types,
    evolves,
    kept_at,
)
from services.decisions.handlers.follow_up import followed_up_event_types, follows_up
from services.decisions.read_models.projections import projected_event_types, projects
from shared.contracts.decisions import (
    SERVICE,
    ActNotified,
    ApplicationForwarded,
    AssessmentRecorded,
    AssistantRegistered,
    CaseEnded,
    CaseOpened,
    DefectFixed,
    DocumentRecorded,
    InformationRequested,
    ObjectionDecided,
    ObjectionFiled,
    ServiceTerminated,
)
from shared.contracts.privacy import PersonalDataErased
from shared.events.registry import registry
from tests.unit.decisions.builders import open_case, replay

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


def test_an_event_is_kept_only_at_a_field_of_its_own_type() -> None:
    # The tables of kept events name fields by strings: a wrong one fails on import.
    with pytest.raises(TypeError, match=r"DefectFixed is not kept at CaseState\.defect \("):
        kept_at(DefectFixed, "defect", in_order=False)
    with pytest.raises(TypeError, match=r"CaseState\.documents"):
        kept_at(DocumentRecorded, "documents", in_order=False)
    with pytest.raises(TypeError, match="not a field"):
        kept_at(DefectFixed, "defect_fix", in_order=False)
    kept_at(DocumentRecorded, "documents", in_order=True)  # as case/state.py declares it


def test_every_command_on_a_case_has_exactly_one_rule() -> None:
    assert decided_command_types() == frozenset(get_args(CaseCommand))
    with pytest.raises(ValueError, match="OpenCase already has a decide function"):
        decides(OpenCase)(lambda command, state: [])


class Unknown:
    """A command no rule decides."""


def test_a_command_no_rule_decides_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="a decide function for Unknown"):
        decide(Unknown(), replay(decide(open_case(), CaseState())))  # type: ignore[arg-type]


def test_every_event_of_an_assistant_has_exactly_one_evolve_function() -> None:
    assert assistant.EVOLVERS.types == ASSISTANT_EVENTS
    with pytest.raises(ValueError, match="AssistantRegistered already has an evolve function"):
        assistant.evolves(AssistantRegistered)(lambda state, event: state)


def test_an_event_an_assistant_does_not_show_leaves_it_as_it_is() -> None:
    state = AssistantState()
    assert assistant.evolve(state, Unrelated(note="not an assistant's event")) is state


def test_every_command_on_an_assistant_has_exactly_one_rule() -> None:
    assert assistant.RULES.types == frozenset(get_args(AssistantCommand))
    with pytest.raises(ValueError, match="RegisterAssistant already has a decide function"):
        assistant.decides(assistant.RegisterAssistant)(lambda command, state: [])


def test_a_command_no_assistant_rule_decides_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="a decide function for Unknown"):
        assistant.decide(Unknown(), AssistantState())  # type: ignore[arg-type]


# The events of a case that move assignments (issue #13, #17): a termination ends them, an
# objection holding it back restores them and the body's decision ends them again, a late
# notification moves their end, and an end without an act ends them.
MOVING_ASSIGNMENTS = {ServiceTerminated, ObjectionFiled, ObjectionDecided, ActNotified, CaseEnded}


def test_every_event_that_moves_assignments_has_exactly_one_follow_up() -> None:
    assert followed_up_event_types() == MOVING_ASSIGNMENTS
    with pytest.raises(ValueError, match="CaseEnded already has a follow-up"):

        async def again(tx: object, state: object, event: BaseModel) -> None:
            return None

        follows_up(CaseEnded)(again)
