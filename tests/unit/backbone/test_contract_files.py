"""The committed JSON Schemas and AsyncAPI document match the code (architecture.md §3)."""

from __future__ import annotations

import json

import yaml

from shared.events.asyncapi import DOCS, render
from shared.events.personal import WIRE_PATTERN
from shared.events.registry import registry


def test_committed_contract_files_match_the_code() -> None:
    drifted = [
        name
        for name, text in render().items()
        if not (DOCS / name).exists() or (DOCS / name).read_text() != text
    ]
    assert not drifted, (
        f"contract files differ from the code: {drifted}; "
        "run .venv/bin/python -m shared.events.asyncapi and commit the result"
    )


def test_no_stale_schema_files_remain() -> None:
    expected = {name for name in render() if name.startswith("schemas/")}
    present = {f"schemas/{p.name}" for p in (DOCS / "schemas").glob("*.json")}
    assert present == expected


def test_every_registered_event_has_a_channel_and_an_operation() -> None:
    document = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    assert document["asyncapi"].startswith("3.")
    for spec in registry:
        channel = document["channels"][f"{spec.service}.{spec.name}"]
        assert channel["address"] == f"asist.{{municipality}}.{spec.service}.{spec.name}"
        assert channel["messages"][spec.name]["title"] == spec.type
    assert len(document["operations"]) == len(list(registry))


def test_personal_data_is_flagged_for_partners() -> None:
    document = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    submitted = document["channels"]["intake.ApplicationSubmitted"]["messages"]
    assert submitted["ApplicationSubmitted"]["x-personal-data"] is True
    overdue = document["channels"]["decisions.DecisionOverdue"]["messages"]
    assert overdue["DecisionOverdue"]["x-personal-data"] is False


def test_encrypted_fields_and_their_wire_form_are_described() -> None:
    """Issue #9: partners see which fields are ciphertext, and what the ciphertext looks like."""
    document = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    submitted = document["channels"]["intake.ApplicationSubmitted"]["messages"]
    encrypted = submitted["ApplicationSubmitted"]["x-encrypted-fields"]
    assert encrypted["applicant.personal_code"] == {
        "category": "identity",
        "key-of": "personal_code",
    }
    assert encrypted["activities[].description"]["key-of"] == "application_id"
    assert "applicant.birth_date" not in encrypted
    assert "enc:v1:" in document["info"]["description"]
    overdue = document["channels"]["decisions.DecisionOverdue"]["messages"]
    assert overdue["DecisionOverdue"]["x-encrypted-fields"] == {}
    schema = json.loads(
        (DOCS / "schemas/lv.asist.decisions.AssistantRegistered.v1.json").read_text()
    )
    iban = schema["properties"]["data"]["properties"]["iban"]
    assert iban["pattern"] == WIRE_PATTERN
    assert iban["x-personal-data"] == "bank"
    assert iban["x-encrypted"]["algorithm"] == "AES-256-GCM"


def test_health_data_without_names_is_flagged_too() -> None:
    document = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    assessed = document["channels"]["decisions.AssessmentRecorded"]["messages"]
    assert assessed["AssessmentRecorded"]["x-personal-data"] is True
