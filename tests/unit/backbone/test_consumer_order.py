"""Per-aggregate order while an earlier event is retried (shared/bus/consumer.py).

Held-back events come back with nak delays that differ with their delivery counts, so a
later one can return first. Regression for an ordering seen once in CI: [1, 3, 2].
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from shared.bus.consumer import EventConsumer


def msg(sequence: int) -> Any:
    return SimpleNamespace(metadata=SimpleNamespace(sequence=SimpleNamespace(stream=sequence)))


def consumer() -> EventConsumer:
    return EventConsumer("probe", "bench", {}, pool=None)  # type: ignore[arg-type]


def may_go(c: EventConsumer, sequence: int, retried_here: dict[str, set[int]]) -> bool:
    """What handle_batch decides for one message of aggregate "a"."""
    blocker = c._blocked.get("a")
    if blocker is not None and sequence == blocker[0]:
        retried_here["a"] = {sequence}
        return True
    if not c._follows("a", sequence, retried_here) and c._held_back("a", msg(sequence), set()):
        c._hold("a", msg(sequence))
        return False
    return True


def test_a_later_event_back_first_waits_for_the_earlier_one() -> None:
    c = consumer()
    c._blocked["a"] = (1, c._expiry())  # event 1 failed and waits for its retry
    assert not may_go(c, 2, {})  # held back behind 1
    assert not may_go(c, 3, {})
    assert may_go(c, 1, {})  # the retry of 1 comes back alone, and is applied
    c._applied("a", msg(1))
    assert not may_go(c, 3, {}), "3 came back before 2: it must wait for 2"
    assert may_go(c, 2, {})
    c._applied("a", msg(2))
    assert may_go(c, 3, {})
    c._applied("a", msg(3))
    assert "a" not in c._blocked and "a" not in c._waiting


def test_in_one_batch_later_events_follow_their_blocker_only_in_order() -> None:
    c = consumer()
    c._blocked["a"] = (1, c._expiry())
    for held in (2, 3):
        assert not may_go(c, held, {})
    batch: dict[str, set[int]] = {}
    assert may_go(c, 1, batch)
    assert not may_go(c, 3, batch), "2 is held back too and not taken yet"
    assert may_go(c, 2, batch)
