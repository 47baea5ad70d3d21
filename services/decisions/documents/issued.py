"""Issued acts never change (legal.md §3; issue #17 item 4).

When a decision is recorded its document is laid out and rendered at once: the SHA-256 of
the HTML goes into the decision's event (``document_sha256``), and the HTML, the PDF printed
from it and the plain text are stored with their hashes in ``issued_documents``, in the
same transaction. Every later read serves those bytes; a changed template, address or
official never alters an act already issued (a correction is a new act referring to it).
Decisions recorded before this store existed are rendered on read and compared with their
fingerprint. This module is what the store of issued acts needs (formats, hashes, ``Issued``);
``model.fingerprinted`` lays out and renders the acts as they are recorded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from services.decisions.documents.layout import Document

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
