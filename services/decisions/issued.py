"""The fingerprint of each document as issued (legal.md §3: the issued document is stored
unchanged and never rebuilt from current templates or municipality data).

When a decision is recorded, its document is laid out and rendered to HTML at once, and the
SHA-256 of that HTML goes into the decision's event. Serving the document later compares
a fresh rendering with it, so a changed template or changed municipality data is detected
instead of silently altering an act. (The signed file itself is not stored yet.)
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel

from services.decisions import case_state, document_render, documents
from services.decisions.case_state import DECISION_TYPES, CaseState
from shared.municipalities import ACTS_DATA, MUNICIPALITIES


def html_sha256(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()


def fingerprinted(state: CaseState, events: list[BaseModel]) -> list[BaseModel]:
    """``events`` with ``document_sha256`` set on each decision, rendered from the case as it
    is once that decision is applied. Unchanged when the municipality has no legal data."""
    opened = state.opened
    acts = ACTS_DATA.get(opened.municipality) if opened else None
    if opened is None or acts is None:
        return events
    municipality = MUNICIPALITIES[opened.municipality]
    result = []
    for event in events:
        state = case_state.evolve(state, event)
        if isinstance(event, DECISION_TYPES):
            number = event.decision_number
            doc = documents.build(municipality, acts, state, number)
            digest = html_sha256(document_render.render_html(doc))
            event = event.model_copy(update={"document_sha256": digest})
        result.append(event)
    return result
