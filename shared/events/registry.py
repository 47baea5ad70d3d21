"""Registry: event type name ↔ pydantic model ↔ schema version, with upcasters.

A breaking change of an event's ``data`` gets a new ``v<N>`` and an upcaster from the
old version, never an in-place edit (architecture.md §3). Stored and received events are
upcast to the newest version before any handler sees them, so handlers know one shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, Field, create_model

from shared.events.envelope import EnvelopeWithEvent, type_parts

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
M = TypeVar("M", bound=type[BaseModel])


class UnknownEventType(LookupError):
    pass


@dataclass(frozen=True)
class EventSpec:
    service: str
    name: str
    version: int
    model: type[BaseModel]
    description: str
    # Special categories (health: disability, hospital stays) even without names or codes:
    # partners need a legal basis to receive them (architecture.md §3).
    personal_data: bool = False

    @property
    def type(self) -> str:
        return f"lv.asist.{self.service}.{self.name}.v{self.version}"


class EventRegistry:
    def __init__(self) -> None:
        self._by_model: dict[type[BaseModel], EventSpec] = {}
        self._latest: dict[tuple[str, str], EventSpec] = {}
        self._upcasters: dict[tuple[str, str, int], Upcaster] = {}
        self._with_event: dict[str, type[EnvelopeWithEvent] | None] = {}

    def register(
        self, service: str, version: int = 1, *, personal_data: bool = False
    ) -> Callable[[M], M]:
        def decorate(model: M) -> M:
            name = model.__name__
            description = (model.__doc__ or "").strip()
            spec = EventSpec(service, name, version, model, description, personal_data)
            previous = self._latest.get((service, name))
            if previous is not None and previous.model is not model:
                raise ValueError(f"event {spec.type} registered twice")
            self._by_model[model] = spec
            self._latest[(service, name)] = spec
            return model

        return decorate

    def upcaster(
        self, service: str, name: str, from_version: int
    ) -> Callable[[Upcaster], Upcaster]:
        """Register a function turning ``data`` of ``from_version`` into ``from_version + 1``."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(service, name, from_version)] = fn
            return fn

        return decorate

    def spec_of(self, model: type[BaseModel]) -> EventSpec:
        try:
            return self._by_model[model]
        except KeyError:
            raise UnknownEventType(f"{model.__name__} is not a registered event") from None

    def latest(self, service: str, name: str) -> EventSpec:
        try:
            return self._latest[(service, name)]
        except KeyError:
            raise UnknownEventType(f"no event {name!r} of service {service!r}") from None

    def decode(self, service: str, name: str, version: int, data: dict[str, Any]) -> BaseModel:
        """Upcast ``data`` step by step to the newest version and validate it."""
        spec = self.latest(service, name)
        if version > spec.version:
            raise UnknownEventType(f"{name}.v{version} is newer than this code ({spec.version})")
        for step in range(version, spec.version):
            try:
                data = self._upcasters[(service, name, step)](data)
            except KeyError:
                raise UnknownEventType(f"no upcaster for {name}.v{step}") from None
        return spec.model.model_validate(data)

    def with_event(self, event_type: str) -> type[EnvelopeWithEvent] | None:
        """The model that reads a stored envelope of ``event_type`` and its typed ``data`` in
        one parse, if ``event_type`` is the newest version this code knows; else None (an
        older version goes through its upcasters: :meth:`decode`)."""
        if event_type not in self._with_event:
            self._with_event[event_type] = self._model_with_event(event_type)
        return self._with_event[event_type]

    def _model_with_event(self, event_type: str) -> type[EnvelopeWithEvent] | None:
        try:
            service, name, version = type_parts(event_type)
            spec = self.latest(service, name)
        except (ValueError, UnknownEventType):
            return None
        if spec.version != version:
            return None
        return create_model(
            f"{name}Envelope",
            __base__=EnvelopeWithEvent,
            event=(spec.model, Field(validation_alias="data", exclude=True, repr=False)),
        )

    def __iter__(self) -> Iterator[EventSpec]:
        return iter(sorted(self._latest.values(), key=lambda s: (s.service, s.name)))


registry = EventRegistry()
event = registry.register
