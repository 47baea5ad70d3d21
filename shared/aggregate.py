"""What the command pipeline needs to know of one kind of aggregate (issue #8).

Pure (no I/O, no framework), so a service's domain module declares its aggregate here
without importing the store: ``shared/commands.py`` runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

S = TypeVar("S")

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
