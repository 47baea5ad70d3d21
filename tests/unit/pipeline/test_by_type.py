"""shared/aggregate.py ByType: one function per type, looked up by the type."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shared.aggregate import ByType


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
