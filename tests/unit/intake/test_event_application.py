"""One small function per event and per command (issue #8), as in decisions: every event
intake publishes has its ``evolve`` function, every command its rule (``@decides``), and no
type gets two."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import BaseModel

from services.intake import domain
from shared.contracts.intake import SERVICE, ApplicationSubmitted
from shared.events.registry import registry

INTAKE_EVENTS = {spec.model for spec in registry if spec.service == SERVICE}


def test_every_event_of_an_application_has_exactly_one_evolve_function() -> None:
    assert domain.EVOLVERS.types == INTAKE_EVENTS
    with pytest.raises(ValueError, match="ApplicationSubmitted already has an evolve function"):
        domain.evolves(ApplicationSubmitted)(lambda state, event: state)


class Unrelated(BaseModel):
    note: str


def test_an_event_an_application_does_not_show_leaves_it_as_it_is() -> None:
    state = domain.INITIAL
    assert domain.evolve(state, Unrelated(note="not an application's event")) is state


def test_every_command_on_an_application_has_exactly_one_rule() -> None:
    assert domain.RULES.types == frozenset(get_args(domain.Command))
    with pytest.raises(ValueError, match="SubmitApplication already has a decide function"):
        domain.decides(domain.SubmitApplication)(lambda command, state: [])


class Unknown:
    """A command no rule decides."""


def test_a_command_no_rule_decides_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="a decide function for Unknown"):
        domain.decide(Unknown(), domain.INITIAL)  # type: ignore[arg-type]
