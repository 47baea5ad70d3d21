"""The CloudEvents envelope and the event registry (architecture.md §3)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from shared.events.envelope import Envelope, new_event_id, subject_for, utc_now
from shared.events.registry import EventRegistry, UnknownEventType
from shared.store.eventstore import EventContext, EventStore
from tests.sdk import parse_with_sdk, sdk_attributes

registry = EventRegistry()


@registry.register("probe", version=2)
class Measured(BaseModel):
    """A test event whose v1 had ``value`` in centimetres."""

    metres: float


@registry.upcaster("probe", "Measured", from_version=1)
def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {"metres": data["value"] / 100}


def envelope() -> Envelope:
    store = EventStore("probe", registry)
    context = EventContext("ludza", correlation_id="c-1", causation_id="e-0", actor="caseworker")
    return store.envelope("case-7", 3, Measured(metres=1.5), context)


def test_envelope_carries_the_contract_attributes() -> None:
    e = envelope()
    assert e.type == "lv.asist.probe.Measured.v2"
    assert e.source == "/asist/ludza/probe"
    assert e.subject == "case-7"
    assert e.aggregateversion == 3
    assert e.nats_subject == "asist.ludza.probe.Measured"
    assert e.time.tzinfo is not None
    assert e.id[14] == "7", "ids are UUIDv7"


def test_the_official_sdk_parses_the_envelope_with_every_extension() -> None:
    attributes = sdk_attributes(envelope().to_json())
    assert attributes["specversion"] == "1.0"
    assert attributes["municipality"] == "ludza"
    assert attributes["aggregateversion"] == 3
    assert attributes["correlationid"] == "c-1"
    assert attributes["causationid"] == "e-0"
    assert attributes["actor"] == "caseworker"
    assert parse_with_sdk(envelope().to_json()).get_data() == {"metres": 1.5}


def test_envelope_round_trips_through_json() -> None:
    e = envelope()
    assert Envelope.from_json(e.to_json()) == e


@pytest.mark.parametrize(
    ("field", "value"),
    [("municipality", "Daugavpils"), ("type", "ApplicationSubmitted"), ("aggregateversion", 0)],
)
def test_envelope_rejects_values_outside_the_contract(field: str, value: object) -> None:
    body = envelope().model_dump() | {field: value}
    with pytest.raises(ValidationError, match=field):
        Envelope.model_validate(body)


def test_old_versions_are_upcast_before_handlers_see_them() -> None:
    decoded = registry.decode("probe", "Measured", 1, {"value": 250})
    assert decoded == Measured(metres=2.5)


def test_a_newer_version_than_the_code_knows_is_refused_clearly() -> None:
    with pytest.raises(UnknownEventType, match=r"Measured.v3 is newer than this code \(2\)"):
        registry.decode("probe", "Measured", 3, {"metres": 1})


def test_an_event_cannot_be_appended_by_another_service() -> None:
    with pytest.raises(ValueError, match="belongs to probe, not intake"):
        EventStore("intake", registry).envelope(
            "x", 1, Measured(metres=1), EventContext("ludza", "c")
        )


def test_ids_and_subjects() -> None:
    assert new_event_id() != new_event_id()
    assert subject_for("daugavpils", "intake", "ApplicationSubmitted") == (
        "asist.daugavpils.intake.ApplicationSubmitted"
    )
    assert utc_now().utcoffset() is not None
