"""Parse messages with the official CloudEvents SDK, as partners will (architecture.md §3)."""

from __future__ import annotations

from typing import Any

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent


def parse_with_sdk(raw: bytes) -> CloudEvent:
    """The SDK's strict v1 reader: required attributes, types and extension names checked."""
    event = JSONFormat().read(CloudEvent, raw)
    assert isinstance(event, CloudEvent)
    return event


def sdk_attributes(raw: bytes) -> dict[str, Any]:
    event = parse_with_sdk(raw)
    return dict(event.get_attributes())
