"""legal.md §3 item 13: the official who signs is the one configured for the deciding token,
else the municipality's default official."""

from __future__ import annotations

import json

import pytest

from services.decisions.handlers.register import official_for
from shared.municipalities import acts_data


def test_a_configured_token_signs_as_its_official(monkeypatch: pytest.MonkeyPatch) -> None:
    named = {"abc123def0": {"name": "Zane Ozola", "position": "Sociālā darbiniece"}}
    monkeypatch.setenv("ASIST_DECISIONS_OFFICIALS", json.dumps(named))
    official = official_for("daugavpils", "caseworker:daugavpils:abc123def0")
    assert official is not None and (official.name, official.position) == (
        "Zane Ozola",
        "Sociālā darbiniece",
    )


def test_any_other_token_signs_as_the_municipality_s_default_official(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ASIST_DECISIONS_OFFICIALS", raising=False)
    official = official_for("ludza", "caseworker:ludza:0000000000")
    acts = acts_data("ludza")
    assert official is not None and official.name == acts.official_name
    assert official_for("jelgava", None) is None  # no legal data configured there
