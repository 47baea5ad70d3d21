"""legal.md §3: a document reads as issued; the fingerprint taken when the decision was
recorded tells a later rendering that differs (changed template or municipality data)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.decisions.case.decide import decide
from services.decisions.case.state import evolve
from services.decisions.documents import model as documents
from services.decisions.documents import render as document_render
from services.decisions.documents.issued import html_sha256
from services.decisions.documents.model import fingerprinted
from shared import municipalities
from tests.unit.decisions.builders import assessed, decision


def test_every_decision_carries_the_hash_of_its_document_as_issued(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = assessed()
    events, _ = fingerprinted(before, decide(decision(), before))
    state = before
    for event in events:
        state = evolve(state, event)
    issued = state.decisions[0].document_sha256
    assert issued is not None and len(issued) == 64

    def rendered() -> str:
        acts = municipalities.acts_data("daugavpils")
        municipality = municipalities.get_municipality("daugavpils")
        html = document_render.render_html(documents.build(municipality, acts, state, 1))
        return html_sha256(html)

    assert rendered() == issued  # the same facts, template and data: the same document
    moved = replace(municipalities.ACTS_DATA["daugavpils"], court_address="Cita iela 1")
    monkeypatch.setitem(municipalities.ACTS_DATA, "daugavpils", moved)
    assert rendered() != issued  # changed municipality data is detected


def test_a_municipality_without_legal_data_gets_no_fingerprint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(municipalities.ACTS_DATA, "daugavpils")
    before = assessed()
    events, _ = fingerprinted(before, decide(decision(), before))
    assert all(getattr(e, "document_sha256", None) is None for e in events)
