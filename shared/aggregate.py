"""What the command pipeline needs to know of one kind of aggregate (issue #8).

Pure (no I/O, no framework), so a service's domain module declares its aggregate here
without importing the store: ``shared/commands.py`` runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel

S = TypeVar("S")
F = TypeVar("F")
G = TypeVar("G", bound=Callable[..., object])

Decide = Callable[[S], list[BaseModel]]
"""The rules of one command on the aggregate's current state: the events it causes (none:
the command changes nothing, e.g. a message delivered twice), or a ``DomainError``
(shared/errors.py). Pure: the pipeline may run it again on a newer state."""


@dataclass(frozen=True)
class Aggregate(Generic[S]):
    """One kind of aggregate: ``category``, the prefix of its stream ids (and CloudEvents
    subjects), e.g. ``"application-"``; ``initial``, the state of a stream with no events;
    ``evolve``, the state after one more event (pure; a service keeps one small function
    per event and dispatches on the event's type)."""

    category: str
    initial: S
    evolve: Callable[[S, BaseModel], S]

    def stream(self, aggregate_id: str) -> str:
        """The stream id of one aggregate."""
        return f"{self.category}{aggregate_id}"

    def fold(self, state: S, events: Sequence[BaseModel]) -> S:
        """The state after ``events``, in order."""
        for event in events:
            state = self.evolve(state, event)
        return state


# One function per type (issue #8): how a service's state and read models apply each event
# (decisions' case/state.py ``evolves``, read_models/projections.py ``projects``), and which
# rule decides each command, registered next to the rule instead of one long ``match``.
class ByType(Generic[F]):
    """A function per event or command type; a second one for the same type is a
    programming error."""

    def __init__(self, kind: str) -> None:
        self._kind = kind  # what a function is, for the error: "an evolve function"
        self._functions: dict[type[Any], F] = {}

    def add(self, key: type[Any], function: F) -> None:
        if key in self._functions:
            raise ValueError(f"{key.__name__} already has {self._kind}")
        self._functions[key] = function

    def register(self, key: type[Any]) -> Callable[[G], G]:
        """A decorator: ``@registry.register(EventType)`` over the function for that type."""

        def register(function: G) -> G:
            self.add(key, cast(F, function))
            return function

        return register

    def get(self, key: type[Any]) -> F | None:
        return self._functions.get(key)

    def of(self, key: type[Any]) -> F:
        """The function for ``key``, where every type must have one (a command's rule):
        none is a programming error, a type written without its function."""
        function = self._functions.get(key)
        if function is None:
            raise TypeError(f"nothing registered as {self._kind} for {key.__name__}")
        return function

    @property
    def types(self) -> frozenset[type[Any]]:
        return frozenset(self._functions)


def evolve_by_type(evolvers: ByType[Callable[[S, Any], S]]) -> Callable[[S, BaseModel], S]:
    """The ``evolve`` of an aggregate whose events each have their small function in
    ``evolvers`` (issue #8); an event with none leaves the state as it is (it is another
    aggregate's, or one this state does not show)."""

    def evolve(state: S, event: BaseModel) -> S:
        evolver = evolvers.get(type(event))
        return state if evolver is None else evolver(state, event)

    return evolve
