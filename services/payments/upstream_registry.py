"""Which function applies each upstream event to what payments knows (issue #8): one per
event type, registered next to it with ``@from_decisions(EventType)`` (upstream.py,
in_effect.py) or ``@from_timesheets(EventType)`` (upstream.py), or added as a
``RowStatement`` of a table there. ``upstream.py`` imports both modules and builds the
consumers from these registries, so they are complete whenever a consumer exists; a test
checks the set of types of each."""

from __future__ import annotations

from shared.aggregate import ByType
from shared.row_statements import Projector

# ``async def name(conn, envelope, event: EventType) -> None``: the consumer's event handler
# (shared/bus/consumer.py), the event already of its registered type.
UpstreamHandler = Projector

DECISIONS: ByType[UpstreamHandler] = ByType("a handler of decisions' events")
TIMESHEETS: ByType[UpstreamHandler] = ByType("a handler of timesheets' events")
from_decisions = DECISIONS.register
from_timesheets = TIMESHEETS.register


def by_name(handlers: ByType[UpstreamHandler]) -> dict[str, UpstreamHandler]:
    """The handlers as a consumer takes them: by the event's name (its subject's last
    token), in the order of the names (the registry is a set)."""
    named = {event_type.__name__: event_type for event_type in handlers.types}
    return {name: handlers.of(named[name]) for name in sorted(named)}
