"""Event contracts: the CloudEvents envelope and the registry of event types."""

from shared.events.envelope import Envelope, new_event_id, stream_name, subject_for
from shared.events.registry import (
    EventRegistry,
    EventSpec,
    UnknownEventType,
    event,
    registry,
)

__all__ = [
    "Envelope",
    "EventRegistry",
    "EventSpec",
    "UnknownEventType",
    "event",
    "new_event_id",
    "registry",
    "stream_name",
    "subject_for",
]
