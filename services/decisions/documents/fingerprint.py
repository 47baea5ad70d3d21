"""The acts of newly decided events, laid out, rendered and fingerprinted (issued.py says why)."""

from __future__ import annotations

from pydantic import BaseModel

from services.decisions.case import state as case_state
from services.decisions.case.state import DECISION_TYPES, CaseState
from services.decisions.documents import model as documents
from services.decisions.documents import render as document_render
from services.decisions.documents.issued import Issued, html_sha256
from shared.municipalities import ACTS_DATA, MUNICIPALITIES


def fingerprinted(
    state: CaseState, events: list[BaseModel]
) -> tuple[list[BaseModel], list[Issued]]:
    """``events`` with ``document_sha256`` set on each decision, rendered from the case as it
    is once that decision is applied, and the documents to store. Unchanged (and nothing to
    store) when the municipality has no legal data."""
    opened = state.opened
    acts = ACTS_DATA.get(opened.municipality) if opened else None
    if opened is None or acts is None:
        return events, []
    municipality = MUNICIPALITIES[opened.municipality]
    result: list[BaseModel] = []
    issued: list[Issued] = []
    for event in events:
        state = case_state.evolve(state, event)
        if isinstance(event, DECISION_TYPES):
            number = event.decision_number
            doc = documents.build(municipality, acts, state, number)
            html = document_render.render_html(doc)
            event = event.model_copy(update={"document_sha256": html_sha256(html)})
            issued.append(
                Issued(
                    opened.case_id, number, opened.municipality, event.register_number, doc, html
                )
            )
        result.append(event)
    return result, issued
