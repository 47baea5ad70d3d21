"""The public contract as files: JSON Schemas per event and an AsyncAPI 3.1 document.

Generated from the registered pydantic models, committed under ``docs/``, and checked by a
test that fails when the code and the files drift (architecture.md §3). Regenerate with
``.venv/bin/python -m shared.events.asyncapi``.

The envelope's schema is CloudEvents 1.0 as the spec words it (issue 18): ``specversion`` the
constant "1.0", ``id`` and ``source`` non-empty, the optional attributes declared, and any
further extension attribute allowed when its name follows the spec's naming rule. ``data``
follows ignore-unknown (docs/partners.md "Versions"): a producer may add an optional field
within a version, so the data schemas allow properties they do not list.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import shared.contracts  # noqa: F401  (registers every event type)
from shared.events.envelope import ATTRIBUTE_NAME, Envelope
from shared.events.personal import WIRE_FORM, personal_paths
from shared.events.registry import EventRegistry, EventSpec, registry
from shared.settings import SERVICE_PORTS

DOCS = Path(__file__).resolve().parents[2] / "docs"
PERSONAL_FIELDS = {"personal_code", "first_name", "last_name", "declared_address", "iban"}
# Where the production bus is reached (docs/partners.md "Credentials"): a name each
# municipality's operator confirms; partners log in with a user and password.
PRODUCTION_HOST = "nats.asistents.lv:4222"
# An extension attribute's value in the JSON format (CloudEvents 1.0 "Type System").
EXTENSION_VALUE = {"type": ["string", "integer", "boolean"]}


def envelope_schema() -> dict[str, Any]:
    """The CloudEvents envelope (without ``data``), faithful to CloudEvents 1.0."""
    schema = Envelope.model_json_schema()
    properties = schema["properties"]
    properties["specversion"] = {"const": "1.0", "title": "Specversion"}
    properties["datacontenttype"] = {"const": "application/json", "title": "Datacontenttype"}
    # Extension attributes: any name the spec allows (e.g. traceparent), a scalar value.
    schema["propertyNames"] = {"pattern": ATTRIBUTE_NAME.pattern}
    schema["additionalProperties"] = EXTENSION_VALUE
    return schema


def event_schema(spec: EventSpec) -> dict[str, Any]:
    """The whole message: the CloudEvents envelope with this event's ``data``."""
    envelope = envelope_schema()
    data = spec.model.model_json_schema(ref_template="#/$defs/{model}")
    defs = {**envelope.pop("$defs", {}), **data.pop("$defs", {})}
    # Ignore-unknown: fields added within this version must not break a consumer.
    data["additionalProperties"] = True
    envelope["properties"]["data"] = data
    envelope["properties"]["type"] = {"const": spec.type, "title": "Type"}
    envelope["title"] = spec.name
    envelope["description"] = spec.description
    envelope["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    envelope["$id"] = f"https://asistents.lv/schemas/{spec.type}.json"
    if defs:
        envelope["$defs"] = defs
    return envelope


def carries_personal_data(schema: Any) -> bool:
    if isinstance(schema, dict):
        props = schema.get("properties", {})
        if PERSONAL_FIELDS & set(props):
            return True
        return any(carries_personal_data(v) for v in schema.values())
    if isinstance(schema, list):
        return any(carries_personal_data(v) for v in schema)
    return False


def asyncapi_document(reg: EventRegistry = registry) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for spec in reg:
        key = f"{spec.service}.{spec.name}"
        encrypted = personal_paths(spec.model)
        personal = (
            spec.personal_data
            or bool(encrypted)
            or carries_personal_data(spec.model.model_json_schema())
        )
        channels[key] = {
            "address": f"asist.{{municipality}}.{spec.service}.{spec.name}",
            "title": spec.name,
            "description": spec.description,
            "parameters": {
                "municipality": {"description": "Municipality slug, e.g. daugavpils or ludza"}
            },
            "messages": {
                spec.name: {
                    "name": spec.name,
                    "title": f"{spec.type}",
                    "summary": spec.description,
                    "contentType": "application/cloudevents+json",
                    "headers": {
                        "type": "object",
                        "properties": {
                            "Nats-Msg-Id": {"type": "string", "description": "= event id"}
                        },
                    },
                    "payload": {"$ref": f"schemas/{spec.type}.json"},
                    "x-personal-data": personal,
                    # Issue #9: these fields of data are AES-256-GCM ciphertext on the wire.
                    "x-encrypted-fields": {
                        path: {"category": marker.category, "key-of": marker.subject}
                        for path, marker in encrypted.items()
                    },
                }
            },
        }
        operations[f"publish{spec.service.capitalize()}{spec.name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "summary": f"The {spec.service} service publishes {spec.name}",
            "messages": [{"$ref": f"#/channels/{key}/messages/{spec.name}"}],
        }
    return {
        "asyncapi": "3.1.0",
        "info": {
            "title": "Asistents events",
            "version": "1.0.0",
            "description": (
                "Events of the municipal assistant service (Latvia), as CloudEvents 1.0 in "
                "structured JSON mode on NATS JetStream. Streams: one per producing service "
                "(INTAKE, DECISIONS, TIMESHEETS, PAYMENTS), subjects "
                "asist.<municipality>.<service>.<EventType>. Messages marked x-personal-data "
                "carry personal or health data: subscribe to them only with a legal basis. "
                "Fields listed in x-encrypted-fields (codes, names, addresses, contact data, "
                "IBANs, free text) are encrypted per person (crypto-shredding): "
                + WIRE_FORM
                + " Partners see the ciphertext only; after an erasure nobody can open it. "
                "Consumers ignore data fields and extension attributes they do not know; "
                "a breaking change of data is a new type version (.v2) on the same subject. "
                "Partner guide: docs/partners.md. "
                "Services: " + ", ".join(SERVICE_PORTS)
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "production": {
                "host": PRODUCTION_HOST,
                "protocol": "nats",
                "description": (
                    "The municipalities' bus. Each partner connects to its own account with "
                    "its own user and password, may subscribe to the subjects of its "
                    "agreement and read its own durables on the streams (docs/partners.md)."
                ),
                "security": [{"$ref": "#/components/securitySchemes/natsUserPassword"}],
            },
            "local": {
                "host": "127.0.0.1:14222",
                "protocol": "nats",
                "description": "The embedded local stack started by ./asist up",
                "security": [{"$ref": "#/components/securitySchemes/natsUserPassword"}],
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "securitySchemes": {
                "natsUserPassword": {
                    "type": "userPassword",
                    "description": (
                        "A partner's NATS user, alone in its account (deploy/nats_accounts.py): "
                        "subscriptions to the subjects it is entitled to, and info, fetch, ack "
                        "and delete of its own durables; nothing else."
                    ),
                }
            }
        },
    }


def render(reg: EventRegistry = registry) -> dict[str, str]:
    """Every generated file, path relative to ``docs/`` → text."""
    import yaml

    files = {
        f"schemas/{spec.type}.json": json.dumps(event_schema(spec), indent=2, ensure_ascii=False)
        + "\n"
        for spec in reg
    }
    files["asyncapi.yaml"] = yaml.safe_dump(
        asyncapi_document(reg), sort_keys=False, allow_unicode=True, width=100
    )
    return files


def main() -> int:
    files = render()
    for old in (DOCS / "schemas").glob("*.json"):
        if f"schemas/{old.name}" not in files:
            old.unlink()
    for name, text in files.items():
        path = DOCS / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(files)} files under {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
