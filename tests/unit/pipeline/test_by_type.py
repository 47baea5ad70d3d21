"""shared/aggregate.py ByType: one function per type, looked up by the type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from shared.aggregate import ByType, evolve_by_type


class Registered:
    pass


class Forgotten:
    pass


def test_of_gives_the_function_of_a_type_and_refuses_a_type_without_one() -> None:
    rules: ByType[Callable[[], str]] = ByType("a rule")

    @rules.register(Registered)
    def registered() -> str:
        return "decided"

    assert rules.of(Registered) is registered
    assert rules.get(Forgotten) is None  # ``get``: where a type may have none
    with pytest.raises(TypeError, match="nothing registered as a rule for Forgotten"):
        rules.of(Forgotten)


class Counted(BaseModel):
    by: int


class Unrelated(BaseModel):
    pass


def test_evolve_by_type_applies_each_events_function_and_keeps_the_state_for_others() -> None:
    evolvers: ByType[Callable[[int, Any], int]] = ByType("an evolve function")

    @evolvers.register(Counted)
    def counted(state: int, event: Counted) -> int:
        return state + event.by

    evolve = evolve_by_type(evolvers)
    assert evolve(1, Counted(by=2)) == 3
    assert evolve(1, Unrelated()) == 1
