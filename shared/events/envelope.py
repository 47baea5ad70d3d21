"""The CloudEvents 1.0 envelope of every message on the bus (architecture.md §3).

Structured JSON mode: the whole event, attributes and ``data``, is the message body.
Extension attributes carry what an event-sourced consumer needs: the producing
``municipality``, the aggregate's ``sequence`` (its version), ``correlationid``,
``causationid`` and ``actor``. Extension names are lowercase alphanumerics only, as the
CloudEvents spec requires.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from uuid6 import uuid7

from shared.municipalities import SLUG_PATTERN

TYPE_PATTERN = re.compile(
    r"^lv\.asist\.(?P<service>[a-z]+)\.(?P<name>[A-Za-z]+)\.v(?P<version>\d+)$"
)


def new_event_id() -> str:
    """UUIDv7: time-ordered, so ids sort roughly by creation (architecture.md §3)."""
    return str(uuid7())


def subject_for(municipality: str, service: str, event_name: str) -> str:
    return f"asist.{municipality}.{service}.{event_name}"


def stream_name(service: str) -> str:
    """One JetStream stream per producing service: ``INTAKE`` ← ``asist.*.intake.>``."""
    return service.upper()


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: str = "1.0"
    id: str
    source: str
    type: str
    subject: str
    time: AwareDatetime
    datacontenttype: str = "application/json"
    data: dict[str, Any]
    municipality: str
    sequence: int = Field(ge=1)
    correlationid: str
    causationid: str | None = None
    actor: str | None = None

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
        return self._type_part("service")

    @property
    def event_name(self) -> str:
        return self._type_part("name")

    @property
    def schema_version(self) -> int:
        return int(self._type_part("version"))

    @property
    def nats_subject(self) -> str:
        return subject_for(self.municipality, self.service, self.event_name)

    def _type_part(self, part: str) -> str:
        match = TYPE_PATTERN.match(self.type)
        assert match is not None  # validated on construction
        return match.group(part)

    def to_json(self) -> bytes:
        body = self.model_dump(mode="json", exclude_none=True)
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        return cls.model_validate_json(raw)


def utc_now() -> datetime:
    return datetime.now(UTC)
