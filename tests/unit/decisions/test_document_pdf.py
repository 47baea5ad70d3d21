"""Every kind of document printed to PDF (A4, WeasyPrint) from the HTML template, and its
text read back with pypdf: the required parts of legal.md §3–§4 are in the PDF itself,
Latvian letters intact."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from services.decisions.documents import model as documents
from services.decisions.documents import render as document_render
from shared.municipalities import acts_data, get_municipality
from tests.unit.decisions.document_cases import every_kind
from tests.unit.decisions.test_documents import ACT_PARTS, KIND_PARTS, SUBJECTS

A4_POINTS = (595, 842)  # 210 × 297 mm


def flat(text: str) -> str:
    """Line breaks of the layout are spaces: compare words, not lines."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    municipality, acts = get_municipality("daugavpils"), acts_data("daugavpils")
    return {
        kind: document_render.render_pdf(documents.build(municipality, acts, state, number))
        for kind, (state, number) in every_kind().items()
    }


@pytest.mark.parametrize("kind", sorted(SUBJECTS))
def test_the_pdf_of_every_kind_carries_each_required_part(
    kind: str, pdfs: dict[str, bytes]
) -> None:
    reader = PdfReader(io.BytesIO(pdfs[kind]))
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4_POINTS
    text = flat("\n".join(p.extract_text() for p in reader.pages))
    parts = [SUBJECTS[kind], *KIND_PARTS[kind]]
    if kind != "extension":
        parts += ACT_PARTS
    missing = [part for part in parts if flat(part.rstrip(":")) not in text]
    assert not missing, f"{kind}: missing from the PDF: {missing}"
    assert "ĶĒŅŠ" not in text  # no mojibake substitutes; the real letters are checked above
    assert "ģ" in text or "ķ" in text or "š" in text


def test_every_pdf_of_the_process_uses_one_font_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """WeasyPrint's default is a new font configuration per document, never freed: 0.22 MiB
    of resident memory more per act (docs/backbone.md, "Third session"). Renders from
    several threads at once (callers use asyncio.to_thread) still each make a whole PDF."""
    from concurrent.futures import ThreadPoolExecutor

    import weasyprint

    used: list[object] = []
    write_pdf = weasyprint.HTML.write_pdf

    def spy(self: weasyprint.HTML, *args: object, **kwargs: object) -> bytes:
        used.append(kwargs.get("font_config"))
        pdf: bytes = write_pdf(self, *args, **kwargs)
        return pdf

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", spy)
    municipality, acts = get_municipality("daugavpils"), acts_data("daugavpils")
    state, number = every_kind()["grant"]
    doc = documents.build(municipality, acts, state, number)
    with ThreadPoolExecutor(4) as pool:
        printed = list(pool.map(lambda _: document_render.render_pdf(doc), range(4)))
    assert len(used) == 4 and used[0] is not None
    assert all(config is used[0] for config in used)
    for pdf in printed:
        assert SUBJECTS["grant"] in flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
