"""The pieces of a fast replay (issue #14): one parse per stored event, fewer collections."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from shared.events.envelope import Envelope, type_parts
from shared.events.registry import EventRegistry
from shared.store.eventstore import EventContext, EventStore
from shared.store.garbage import fewer_collections

registry = EventRegistry()


class Size(BaseModel):
    metres: float


@registry.register("probe", version=2)
class Parcel(BaseModel):
    """A test event with a nested model; v1 had no size."""

    parcel_id: str
    size: Size


@registry.upcaster("probe", "Parcel", from_version=1)
def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "size": {"metres": 0}}


def _stored() -> str:
    store = EventStore("probe", registry)
    parcel = Parcel(parcel_id="p-1", size=Size(metres=1.5))
    envelope = store.envelope("parcel-1", 1, parcel, EventContext("ludza", correlation_id="c"))
    return envelope.to_json().decode()


def test_the_newest_version_is_read_with_its_event_in_one_parse() -> None:
    raw = _stored()
    with_event = registry.with_event("lv.asist.probe.Parcel.v2")
    assert with_event is not None and registry.with_event("lv.asist.probe.Parcel.v2") is with_event
    parsed = with_event.model_validate_json(raw)
    plain = Envelope.from_json(raw)
    assert isinstance(parsed, Envelope)
    assert parsed.event == Parcel(parcel_id="p-1", size=Size(metres=1.5))
    assert parsed.model_dump() == plain.model_dump()
    assert parsed.to_json() == plain.to_json(), "the event is in no dump"


def test_an_older_or_unknown_type_has_no_one_parse_model() -> None:
    assert registry.with_event("lv.asist.probe.Parcel.v1") is None  # needs its upcaster
    assert registry.with_event("lv.asist.probe.Unknown.v1") is None
    assert registry.with_event("not a type") is None


def test_the_one_parse_still_validates_the_event() -> None:
    with_event = registry.with_event("lv.asist.probe.Parcel.v2")
    assert with_event is not None
    broken = _stored().replace('"metres":1.5', '"metres":"long"')
    with pytest.raises(ValidationError):
        with_event.model_validate_json(broken)


def test_type_parts_are_read_from_the_type_string() -> None:
    assert type_parts("lv.asist.probe.Parcel.v12") == ("probe", "Parcel", 12)
    with pytest.raises(ValueError):
        type_parts("lv.asist.Probe")


def test_fewer_collections_during_a_replay_then_the_thresholds_as_before() -> None:
    before = gc.get_threshold()
    with fewer_collections(123_456):
        assert gc.get_threshold() == (123_456, *before[1:])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections(123_456):
        raise RuntimeError
    assert gc.get_threshold() == before


def test_overlapping_replays_restore_the_thresholds_when_the_last_one_ends() -> None:
    before = gc.get_threshold()
    first, second = fewer_collections(123_456), fewer_collections(123_456)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # ends before the second, which is still running
    assert gc.get_threshold() == (123_456, *before[1:])
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
