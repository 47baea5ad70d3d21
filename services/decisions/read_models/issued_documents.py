"""Table ``issued_documents``: each act's bytes as issued (documents/issued.py says why)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.decisions.documents import render as document_render
from services.decisions.documents.issued import FORMATS, Issued, sha256
from shared.store.types import Connection


async def store_issued(conn: Connection, issued: list[Issued]) -> None:
    """Store each act's HTML, PDF and text with their hashes (once: a retry keeps the first)."""
    for item in issued:
        # WeasyPrint takes a few hundred milliseconds: off the event loop.
        pdf = await asyncio.to_thread(document_render.render_pdf, item.document)
        html = item.html.encode()
        txt = document_render.render_text(item.document).encode()
        await conn.execute(
            "insert into issued_documents (case_id, decision_number, municipality,"
            " register_number, html, html_sha256, pdf, pdf_sha256, txt, txt_sha256)"
            " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing",
            item.case_id,
            item.decision_number,
            item.municipality,
            item.register_number,
            html,
            sha256(html),
            pdf,
            sha256(pdf),
            txt,
            sha256(txt),
        )


@dataclass(frozen=True)
class StoredDocument:
    content: bytes
    sha256: str


async def stored_document(
    conn: Connection, case_id: str, number: int, format: str
) -> StoredDocument | None:
    """The bytes of an act as issued in ``format`` (html, pdf, txt), or None if not stored."""
    assert format in FORMATS
    row = await conn.fetchrow(
        f"select {format} as content, {format}_sha256 as digest from issued_documents"
        " where case_id = $1 and decision_number = $2",
        case_id,
        number,
    )
    return None if row is None else StoredDocument(bytes(row["content"]), row["digest"])
