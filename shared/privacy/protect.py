"""Seal an event's personal fields before it is stored or published; open them when read.

Sealing follows the contract's markers (shared/events/personal.py); opening needs no
schema: every ``enc:v1:…`` string is decrypted, or reads ``"erased"`` when its key was
destroyed. So upcasters, old versions and handlers all work on clear values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from shared.events.envelope import Envelope
from shared.events.personal import ERASED, ModelPlan, Personal, plan_of
from shared.events.registry import EventRegistry
from shared.events.registry import registry as default_registry
from shared.logging import get_logger
from shared.privacy.cipher import CipherError, decrypt_field, encrypt_field, is_sealed, key_id_of
from shared.privacy.keyring import Keyring

log = get_logger(__name__)


class PrivacyNotConfigured(RuntimeError):
    """Encrypted fields were read by a component that has no keyring."""


def reference(municipality: str, field: str, value: str) -> str:
    """Who a key belongs to: a person (or an id of theirs) within one municipality."""
    return f"{municipality}/{field}:{value}"


@dataclass
class _Slot:
    container: dict[str, Any]
    name: str
    subject: str  # the reference of the person


def _clear(value: Any) -> bool:
    return isinstance(value, str) and value != ERASED and not is_sealed(value)


def _slots(
    plan: ModelPlan, node: dict[str, Any], top: dict[str, Any], municipality: str
) -> Iterator[_Slot]:
    for name, marker in plan.personal.items():
        if not _clear(node.get(name)):
            continue  # None, already sealed, or erased: nothing to seal
        yield _Slot(node, name, _subject(marker, node, top, municipality, name))
    for name, sub in plan.nested.items():
        value = node.get(name)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                yield from _slots(sub, item, top, municipality)


def _subject(
    marker: Personal, node: dict[str, Any], top: dict[str, Any], municipality: str, name: str
) -> str:
    value = node.get(marker.subject, top.get(marker.subject))
    if not isinstance(value, str) or not value or value == ERASED:
        # A personal field must say whose it is; an erased person gets no new key.
        raise ValueError(f"personal field {name!r}: no {marker.subject!r} names its person")
    return reference(municipality, marker.subject, value)


def _at(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class Protector:
    """Seals and opens envelopes with one keyring."""

    def __init__(self, keyring: Keyring, registry: EventRegistry = default_registry) -> None:
        self.keyring = keyring
        self.registry = registry

    async def seal(self, envelope: Envelope) -> Envelope:
        spec = self.registry.latest(envelope.service, envelope.event_name)
        data = await self.seal_data(spec.model, envelope.data, envelope.municipality)
        return envelope if data is envelope.data else envelope.model_copy(update={"data": data})

    async def seal_data(
        self, model: type[BaseModel], data: dict[str, Any], municipality: str
    ) -> dict[str, Any]:
        plan = plan_of(model)
        if plan.empty:
            return data
        sealed: dict[str, Any] = _copy(data)
        for field, path in plan.identifies.items():
            alias, person = sealed.get(field), _at(sealed, path)
            if isinstance(alias, str) and isinstance(person, str) and _clear(person):
                await self.keyring.link(
                    reference(municipality, field, alias),
                    reference(municipality, path.rsplit(".", 1)[-1], person),
                )
        slots = list(_slots(plan, sealed, sealed, municipality))  # all subjects read clear
        for slot in slots:
            kid, key = await self.keyring.key_for(slot.subject)
            slot.container[slot.name] = encrypt_field(kid, key, slot.container[slot.name])
        return sealed

    async def open(self, envelope: Envelope) -> Envelope:
        data = await self.open_data(envelope.data)
        return envelope if data is envelope.data else envelope.model_copy(update={"data": data})

    async def open_data(self, data: dict[str, Any]) -> dict[str, Any]:
        kids = {key_id_of(value) for value in _sealed_values(data)}
        if not kids:
            return data
        keys = {kid: await self.keyring.key(kid) for kid in kids}

        def clear(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: clear(v) for k, v in value.items()}
            if isinstance(value, list):
                return [clear(v) for v in value]
            if is_sealed(value):
                key = keys[key_id_of(value)]
                if key is None:
                    return ERASED
                try:
                    return decrypt_field(key, value)
                except CipherError:
                    # Not ours (clear text shaped like a ciphertext) or tampered: never guess.
                    log.warning("privacy.field_does_not_open", key_id=key_id_of(value))
                    return value
            return value

        opened: dict[str, Any] = clear(data)
        return opened


def _copy(value: Any) -> Any:
    """A copy of JSON data (dicts, lists, scalars): cheaper than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _sealed_values(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _sealed_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _sealed_values(item)
    elif is_sealed(value):
        yield value


def contains_sealed(data: dict[str, Any]) -> bool:
    return next(_sealed_values(data), None) is not None


async def open_envelope(protector: Protector | None, envelope: Envelope) -> Envelope:
    """``envelope`` with clear personal fields; without a keyring, only if it has none."""
    if protector is not None:
        return await protector.open(envelope)
    if contains_sealed(envelope.data):
        raise PrivacyNotConfigured(
            f"event {envelope.id} has encrypted fields and this component has no keyring "
            "(ASIST_MASTER_KEY and the NATS key bucket)"
        )
    return envelope


class SealedOnly(Protector):
    """For a reader that must see no person (the ministry's reporting): no keyring at all.

    Opening leaves every personal field as ciphertext (the contracts accept the wire form);
    sealing is refused, since such a service must not write personal data.
    """

    def __init__(self, registry: EventRegistry = default_registry) -> None:
        self.registry = registry

    async def seal(self, envelope: Envelope) -> Envelope:
        spec = self.registry.latest(envelope.service, envelope.event_name)
        if not plan_of(spec.model).empty:
            raise PrivacyNotConfigured(f"{spec.type} has personal fields: this service has no keys")
        return envelope

    async def open(self, envelope: Envelope) -> Envelope:
        return envelope
