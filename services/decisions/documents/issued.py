"""Issued acts never change (legal.md §3; issue #17 item 4).

When a decision is recorded its document is laid out and rendered at once: the SHA-256 of
the HTML goes into the decision's event (``document_sha256``), and the HTML, the PDF printed
from it and the plain text are stored with their hashes in ``issued_documents``, in the
same transaction. Every later read serves those bytes; a changed template, address or
official never alters an act already issued (a correction is a new act referring to it).
Decisions recorded before this store existed are rendered on read and compared with their
fingerprint.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pydantic import BaseModel

from services.decisions.case import state as case_state
from services.decisions.case.state import DECISION_TYPES, CaseState
from services.decisions.documents import model as documents
from services.decisions.documents import render as document_render
from services.decisions.documents.model import Document
from shared.municipalities import ACTS_DATA, MUNICIPALITIES

FORMATS = ("html", "pdf", "txt")


def html_sha256(html: str) -> str:
    return sha256(html.encode())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Issued:
    """One act's document as issued, before its PDF is printed."""

    case_id: str
    decision_number: int
    municipality: str
    register_number: str | None
    document: Document
    html: str


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
