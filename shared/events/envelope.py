"""The CloudEvents 1.0 envelope of every message on the bus (architecture.md §3).

Structured JSON mode: the whole event, attributes and ``data``, is the message body.
``specversion`` is the constant "1.0"; ``id`` and ``source`` are non-empty, as the spec
requires. Extension attributes carry what an event-sourced consumer needs: the producing
``municipality``, ``aggregateversion`` (the version of the aggregate ``subject`` after this
event: 1, 2, 3, …), ``correlationid``, ``causationid`` and ``actor``.

The aggregate's version was called ``sequence`` until issue 18; that name belongs to the
CloudEvents Sequence extension (a string), so it was renamed. Envelopes stored or streamed
before carry ``sequence`` as an integer: :meth:`Envelope._legacy_sequence` reads them.

Like any CloudEvents consumer, the envelope accepts the spec's optional attributes
(``dataschema``, ``subject``, ``time``, ``datacontenttype``) and any extension attribute
whose name follows the spec's naming rule (lowercase letters and digits, at most 20
characters, e.g. ``traceparent``) with a string, integer or boolean value.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from uuid6 import uuid7

from shared.municipalities import SLUG_PATTERN

TYPE_PATTERN = re.compile(
    r"^lv\.asist\.(?P<service>[a-z]+)\.(?P<name>[A-Za-z]+)\.v(?P<version>\d+)$"
)
# CloudEvents 1.0 §"Attribute Naming Convention": lowercase a-z and 0-9, at most 20 characters.
ATTRIBUTE_NAME = re.compile(r"^[a-z0-9]{1,20}$")
# Values an extension attribute may take in the JSON format (String, Integer, Boolean; URIs
# and timestamps are strings there).
EXTENSION_VALUE_TYPES = (str, int, bool)
LEGACY_VERSION_ATTRIBUTE = "sequence"


def new_event_id() -> str:
    """UUIDv7: time-ordered, so ids sort roughly by creation (architecture.md §3)."""
    return str(uuid7())


def subject_for(municipality: str, service: str, event_name: str) -> str:
    return f"asist.{municipality}.{service}.{event_name}"


def stream_name(service: str) -> str:
    """One JetStream stream per producing service: ``INTAKE`` ← ``asist.*.intake.>``."""
    return service.upper()


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    # Required on every message, as CloudEvents requires: no default when parsing.
    specversion: Literal["1.0"]
    id: str = Field(min_length=1)
    source: str = Field(min_length=1, description="URI-reference: /asist/<municipality>/<service>")
    type: str
    subject: str = Field(min_length=1, description="The aggregate: application, case, …")
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = Field(default=None, min_length=1, json_schema_extra={"format": "uri"})
    data: dict[str, Any]
    municipality: str
    aggregateversion: int = Field(
        ge=1, description="Version of the aggregate `subject` after this event (1, 2, 3, …)"
    )
    correlationid: str
    causationid: str | None = None
    actor: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_sequence(cls, value: Any) -> Any:
        """Envelopes written before issue 18 carry the aggregate's version as ``sequence``
        (an integer); they stay readable (event store, streams, dead letters)."""
        if (
            isinstance(value, dict)
            and "aggregateversion" not in value
            and isinstance(value.get(LEGACY_VERSION_ATTRIBUTE), int)
        ):
            value = dict(value)
            value["aggregateversion"] = value.pop(LEGACY_VERSION_ATTRIBUTE)
        return value

    @model_validator(mode="after")
    def _extensions(self) -> Envelope:
        """Extension attributes beyond ours are kept, if CloudEvents allows them."""
        for name, value in (self.model_extra or {}).items():
            if not ATTRIBUTE_NAME.match(name):
                raise ValueError(
                    f"extension attribute {name!r}: CloudEvents names are 1-20 lowercase"
                    " letters or digits"
                )
            if value is not None and not isinstance(value, EXTENSION_VALUE_TYPES):
                raise ValueError(
                    f"extension attribute {name!r}: a string, integer or boolean, "
                    f"got {type(value).__name__}"
                )
        return self

    @field_validator("municipality")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_PATTERN.match(value):
            raise ValueError(f"municipality must be a lowercase slug, got {value!r}")
        return value

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if not TYPE_PATTERN.match(value):
            raise ValueError(
                f"type must look like lv.asist.<service>.<EventType>.v<N>, got {value!r}"
            )
        return value

    @property
    def service(self) -> str:
        return type_parts(self.type).service

    @property
    def event_name(self) -> str:
        return type_parts(self.type).name

    @property
    def schema_version(self) -> int:
        return type_parts(self.type).version

    @property
    def nats_subject(self) -> str:
        return subject_for(self.municipality, self.service, self.event_name)

    def to_json(self) -> bytes:
        body = self.model_dump(mode="json", exclude_none=True)
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        return cls.model_validate_json(raw)


# The pydantic mypy plugin takes the alias "data" for a second constructor argument named
# like the field ``data``; nobody constructs this class, it only parses.
class EnvelopeWithEvent(Envelope):  # type: ignore[no-redef]
    """An envelope read together with its ``data`` as the typed event, in one parse of the
    stored text (a replay: issue #14), instead of parsing the envelope, then validating its
    ``data`` dict again. Its subclasses, one per event type, are made by
    ``EventRegistry.with_event``; ``event`` is left out of every dump, so the envelope's
    JSON is the same as a plain one's."""

    event: BaseModel = Field(validation_alias="data", exclude=True, repr=False)

    @model_validator(mode="after")
    def _legacy_sequence(self) -> EnvelopeWithEvent:
        """Replaces the envelope's validator of this name (pydantic replaces by name): run
        before parsing, that one makes pydantic build the whole text as Python objects
        first (about 2 µs of an event's 5–12). An envelope of before issue 18 has no
        ``aggregateversion`` and fails this model: ``read_all_decoded`` then reads it as a
        plain envelope, which renames its ``sequence``."""
        return self


class TypeParts(NamedTuple):
    service: str
    name: str
    version: int


@functools.lru_cache(maxsize=1024)
def type_parts(event_type: str) -> TypeParts:
    """The parts of ``lv.asist.<service>.<name>.v<version>``, matched once per type string:
    a replay asks for them on every event, and a service knows a few dozen types."""
    match = TYPE_PATTERN.match(event_type)
    if match is None:
        raise ValueError(f"not an event type: {event_type!r}")
    return TypeParts(match["service"], match["name"], int(match["version"]))


def utc_now() -> datetime:
    return datetime.now(UTC)
