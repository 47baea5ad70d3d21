"""Markers for personal fields of event contracts (issue #9, architecture.md §9).

A field annotated ``Annotated[str, Personal(...)]`` is encrypted in the event store and on
the bus with the data key of the person it is about (crypto-shredding, shared/privacy/).
``Personal.subject`` names the field that identifies that person: looked up first next to
the marked field (e.g. ``personal_code`` in the same ``Person``), then at the top of the
event (e.g. ``case_id``). An id field marked ``Identifies("client.personal_code")`` says
that the id belongs to that person, so free text filed later under the id (a case note)
is encrypted with the same person's key.

Both markers change nothing in Python: models hold clear values. The only validation
change is that a personal field also accepts :data:`ERASED`, which is what it reads after
its person's key was destroyed, so every erased event still parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

ERASED = "erased"
WIRE_PREFIX = "enc:v1:"
# enc:v1:<key id: 32 hex>:<base64url without padding of nonce (12 bytes) + ciphertext + tag>
WIRE_PATTERN = r"^enc:v1:[0-9a-f]{32}:[A-Za-z0-9_-]+$"
WIRE_FORM = (
    "Encrypted on the bus and in the event store: "
    "'enc:v1:<key id, 32 hex>:<base64url(nonce 12 bytes + AES-256-GCM ciphertext + tag)>', "
    "with the key id as associated data. The key is the person's data key; only the "
    "services can read it, and it is destroyed when the person is erased. Events written "
    "before issue #9 were migrated (python -m shared.privacy.migrate)."
)

WIRE_SHORT = "enc:v1:<key id>:<base64url(nonce + ciphertext + tag)>"

Category = Literal["identity", "contact", "bank", "free_text"]


_WIRE = re.compile(WIRE_PATTERN)


def _allow_erased(value: Any, handler: core_schema.ValidatorFunctionWrapHandler) -> Any:
    """ "erased", or still sealed (a reader without keys: the ministry's reporting), or valid."""
    # The prefix test first: most values are clear text, and it is cheaper than the pattern.
    if value == ERASED or (
        isinstance(value, str) and value.startswith(WIRE_PREFIX) and _WIRE.match(value)
    ):
        return value
    return handler(value)


@dataclass(frozen=True)
class Personal:
    """This field is personal data: encrypted per person, reads :data:`ERASED` once erased."""

    category: Category = "identity"
    # The field naming the person: next to this one first, else at the top of the event.
    subject: str = "personal_code"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_wrap_validator_function(_allow_erased, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        clear = handler.resolve_ref_schema(handler(schema))
        # The schema describes the wire: a ciphertext string (or null where optional).
        wire: JsonSchemaValue = {"type": "string", "pattern": WIRE_PATTERN}
        described: JsonSchemaValue = (
            {"anyOf": [wire, {"type": "null"}]} if _allows_null(clear) else dict(wire)
        )
        clear_type = {k: v for k, v in clear.items() if k not in ("title", "default")}
        described["x-personal-data"] = self.category
        described["x-encrypted"] = {
            "algorithm": "AES-256-GCM",
            "wire-form": WIRE_SHORT,
            "key-of": self.subject,
            "clear-type": clear_type,
        }
        return described


def _allows_null(schema: JsonSchemaValue) -> bool:
    options = schema.get("anyOf", [schema])
    return any(option.get("type") == "null" for option in options)


@dataclass(frozen=True)
class Identifies:
    """This id field belongs to the person at ``person`` (a dotted path in the same event)."""

    person: str

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        described = dict(handler(schema))
        described["x-identifies"] = self.person
        return described


# ---- the plan of one model: where its personal fields are ------------------------------


@dataclass(frozen=True)
class ModelPlan:
    """Personal fields of a model, its nested models, and the ids naming a person."""

    personal: dict[str, Personal]
    nested: dict[str, ModelPlan]  # fields holding a model, a list of models or an optional one
    identifies: dict[str, str]  # id field -> dotted path of the person's personal code

    @property
    def empty(self) -> bool:
        return (
            not self.personal
            and not self.identifies
            and all(plan.empty for plan in self.nested.values())
        )


_plans: dict[type[BaseModel], ModelPlan] = {}


def plan_of(model: type[BaseModel]) -> ModelPlan:
    """Where ``model``'s personal fields are (computed once per model)."""
    cached = _plans.get(model)
    if cached is not None:
        return cached
    personal: dict[str, Personal] = {}
    nested: dict[str, ModelPlan] = {}
    identifies: dict[str, str] = {}
    for name, field in model.model_fields.items():
        for marker in field.metadata:
            if isinstance(marker, Personal):
                personal[name] = marker
            elif isinstance(marker, Identifies):
                identifies[name] = marker.person
        inner = _model_in(field.annotation)
        if inner is not None:
            sub = plan_of(inner)
            if not sub.empty:
                nested[name] = sub
    plan = ModelPlan(personal, nested, identifies)
    _plans[model] = plan
    return plan


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``Model``, ``Model | None`` or ``list[Model]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def personal_paths(model: type[BaseModel], prefix: str = "") -> dict[str, Personal]:
    """Every personal field of ``model`` as a dotted path (``[]`` for list items)."""
    plan = plan_of(model)
    paths = {f"{prefix}{name}": marker for name, marker in plan.personal.items()}
    for name, _sub in plan.nested.items():
        field = model.model_fields[name]
        inner = _model_in(field.annotation)
        assert inner is not None
        many = getattr(field.annotation, "__origin__", None) is list
        paths.update(personal_paths(inner, f"{prefix}{name}{'[]' if many else ''}."))
    return paths
