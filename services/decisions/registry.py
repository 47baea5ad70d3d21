"""One function per event type (issue #8): how the case's state and the read models apply
each event (case/state.py ``evolves``, read_models/projections.py ``projects``). Pure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar, cast

from pydantic import BaseModel

F = TypeVar("F")
G = TypeVar("G", bound=Callable[..., object])


class ByEventType(Generic[F]):
    """A function per event type; a second one for the same type is a programming error."""

    def __init__(self, kind: str) -> None:
        self._kind = kind  # what a function is, for the error: "an evolve function"
        self._functions: dict[type[BaseModel], F] = {}

    def add(self, event_type: type[BaseModel], function: F) -> None:
        if event_type in self._functions:
            raise ValueError(f"{event_type.__name__} already has {self._kind}")
        self._functions[event_type] = function

    def register(self, event_type: type[BaseModel]) -> Callable[[G], G]:
        """A decorator: ``@registry.register(EventType)`` over the function for that type."""

        def register(function: G) -> G:
            self.add(event_type, cast(F, function))
            return function

        return register

    def get(self, event_type: type[BaseModel]) -> F | None:
        return self._functions.get(event_type)

    @property
    def event_types(self) -> frozenset[type[BaseModel]]:
        return frozenset(self._functions)
