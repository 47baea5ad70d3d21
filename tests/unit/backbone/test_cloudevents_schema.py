"""The published JSON Schemas are CloudEvents 1.0 as the spec words it (issue 18, point 4).

Checked as a partner would: the committed file under docs/schemas with ``jsonschema``, and
the official CloudEvents SDK on the same bytes.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import ValidationError

from shared.contracts.decisions import CaseClosed, CloseReason
from shared.events.asyncapi import DOCS
from shared.events.envelope import Envelope
from shared.store.eventstore import EventContext, EventStore
from tests.sdk import parse_with_sdk

SCHEMA_FILE = DOCS / "schemas" / "lv.asist.decisions.CaseClosed.v1.json"


def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def message() -> dict[str, Any]:
    """A CaseClosed exactly as the decisions service's event store writes it."""
    event = CaseClosed(case_id="case-1", reason=CloseReason.WITHDRAWN, closed_on=date(2026, 3, 2))
    envelope = EventStore("decisions").envelope(
        "case-1", 4, event, EventContext("ludza", correlation_id="c-1", actor="caseworker")
    )
    body: dict[str, Any] = json.loads(envelope.to_json())
    return body


def errors(body: dict[str, Any]) -> list[str]:
    return [error.message for error in validator().iter_errors(body)]


def test_an_event_as_produced_is_valid() -> None:
    assert errors(message()) == []
    assert message()["aggregateversion"] == 4


def test_a_message_without_specversion_fails_validation() -> None:
    body = message()
    del body["specversion"]
    assert errors(body) == ["'specversion' is a required property"]
    with pytest.raises(ValidationError, match="specversion"):
        Envelope.model_validate(body)


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("specversion", "0.3"), ("id", ""), ("source", ""), ("aggregateversion", 0)],
)
def test_attributes_outside_the_spec_fail_validation(attribute: str, value: object) -> None:
    body = message() | {attribute: value}
    assert errors(body), f"{attribute}={value!r} passed the schema"
    with pytest.raises(ValidationError, match=attribute):
        Envelope.model_validate(body)


def test_optional_attributes_and_extensions_of_the_spec_are_accepted() -> None:
    body = message() | {
        "dataschema": "https://asistents.lv/schemas/lv.asist.decisions.CaseClosed.v1.json",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "sampled": True,
        "priority": 3,
    }
    assert errors(body) == []
    raw = json.dumps(body).encode()
    assert Envelope.from_json(raw).model_extra == {
        "traceparent": body["traceparent"],
        "sampled": True,
        "priority": 3,
    }
    assert parse_with_sdk(raw).get_extension("traceparent") == body["traceparent"]


@pytest.mark.parametrize("name", ["trace_parent", "TraceParent", "a" * 21])
def test_extension_names_outside_the_naming_rule_are_refused(name: str) -> None:
    body = message() | {name: "x"}
    assert errors(body)
    with pytest.raises(ValidationError, match="extension attribute"):
        Envelope.model_validate(body)


def test_an_extension_must_be_a_scalar() -> None:
    body = message() | {"traceparent": {"nested": 1}}
    assert errors(body)
    with pytest.raises(ValidationError, match="string, integer or boolean"):
        Envelope.model_validate(body)


def test_data_fields_added_within_a_version_are_ignored_not_refused() -> None:
    """Ignore-unknown (docs/partners.md): a field added later breaks no consumer."""
    body = message()
    body["data"]["added_later"] = "value"
    assert errors(body) == []


def test_envelopes_stored_before_the_rename_stay_readable() -> None:
    """Issue 18 renamed ``sequence`` (it clashes with CloudEvents' Sequence extension, a
    string); envelopes in the event store and the streams still carry it as an integer."""
    body = message()
    body["sequence"] = body.pop("aggregateversion")
    envelope = Envelope.model_validate(body)
    assert envelope.aggregateversion == 4
    assert "sequence" not in json.loads(envelope.to_json())
