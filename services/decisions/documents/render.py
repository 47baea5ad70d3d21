"""One template for a decision document: HTML, and the PDF printed from that same HTML.

The PDF is A4 and print-ready (WeasyPrint: pango lays out the Latvian letters; the DejaVu
Serif font has them all). Plain text is for quick reading and tests.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable
from functools import cache
from html import escape
from typing import TYPE_CHECKING

from services.decisions.documents.layout import Document, Table

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration

STYLE = """
@page { size: A4; margin: 20mm 20mm 20mm 30mm;
        @bottom-center { content: counter(page) ". lpp. no " counter(pages); font-size: 9pt; } }
body { font-family: "DejaVu Serif", "Times New Roman", serif; font-size: 11pt;
       line-height: 1.35; max-width: 42em; margin: 0 auto; }
header.issuer { text-align: center; border-bottom: 1px solid #000; padding-bottom: .4em; }
header.issuer .name { font-weight: bold; }
h1 { text-align: center; font-size: 14pt; letter-spacing: .15em; margin: 1em 0 .3em; }
.requisites { display: flex; justify-content: space-between; margin: .6em 0; }
.subject { font-weight: bold; margin: 1em 0; }
h2 { font-size: 11pt; margin: .9em 0 .2em; }
p { margin: .2em 0; }
table { border-collapse: collapse; margin: .4em 0; font-size: 10pt; }
td, th { border: 1px solid #444; padding: .15em .4em; vertical-align: top; }
.signature { margin-top: 2em; break-inside: avoid; page-break-before: avoid; }
.esign { margin-top: 1.2em; font-size: 9pt; font-weight: bold; text-align: center; }
"""


def render_html(doc: Document) -> str:
    e = escape
    parts = [
        '<!DOCTYPE html>\n<html lang="lv">\n<head>\n<meta charset="utf-8">',
        f"<title>{e(doc.name)} {e(doc.number)}</title>",
        f"<style>{STYLE}</style>\n</head>\n<body>",
        '<header class="issuer">'
        + "".join(
            f'<div class="{"name" if i < 2 else "address"}">{e(line)}</div>'
            for i, line in enumerate(doc.issuer)
        )
        + "</header>",
    ]
    if doc.title:
        parts.append(f"<h1>{e(doc.title)}</h1>")
    parts.append(
        f'<div class="requisites"><span>{e(doc.place_and_date)}</span>'
        f"<span>{e(doc.number)}</span></div>"
    )
    parts.append(f'<p class="subject">{e(doc.subject)}</p>')
    for section in doc.sections:
        parts.append(f"<h2>{e(section.heading)}</h2>")
        for block in section.blocks:
            if isinstance(block, Table):
                head = "".join(f"<th>{e(c)}</th>" for c in block.header)
                body = "".join(
                    "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                    for row in block.rows
                )
                parts.append(f"<table><tr>{head}</tr>{body}</table>")
            else:
                parts.append(f"<p>{e(block)}</p>")
    position, name, esign = doc.signature
    parts.append(
        f'<div class="signature"><p>{e(position)}</p><p>{e(name)}</p></div>'
        f'<p class="esign">{e(esign)}</p>'
    )
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


# One font configuration for every PDF of the process. Without it WeasyPrint makes a new
# one (a pango font map over fontconfig) per document and never frees it: measured 0.22 MiB
# more resident memory per act, 117 MiB after 200 renders against 73 MiB with one shared
# configuration (bench/memory.py; docs/backbone.md, "Third session"). Pango's font map is
# not documented as safe to use from two threads at once, and callers render in worker
# threads (asyncio.to_thread), so one render at a time: acts are issued by caseworkers,
# a few a minute at most, and one takes about 0.25 s of CPU.
_PDF_LOCK = threading.Lock()


@cache
def _font_config() -> FontConfiguration:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``; None where the C library has none (musl, macOS)."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(
            ctypes.util.find_library("c") or "libc.so.6"
        ).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def render_pdf(doc: Document) -> bytes:
    """The same HTML, printed to an A4 PDF."""
    from weasyprint import HTML  # imported here: loading pango costs a second at start-up

    html = render_html(doc)
    with _PDF_LOCK:
        pdf: bytes = HTML(string=html).write_pdf(font_config=_font_config())
        # A render allocates and frees some megabytes of small objects (the box tree, pango
        # layouts); glibc keeps the freed pages. Handing them back after each act measured
        # 5–6 MiB less resident memory after 40 acts (bench/memory.py).
        if (trim := _malloc_trim()) is not None:
            trim(0)
    return pdf


def render_text(doc: Document) -> str:
    lines = [*doc.issuer, ""]
    if doc.title:
        lines += [doc.title, ""]
    lines += [doc.place_and_date, doc.number, "", doc.subject]
    for section in doc.sections:
        lines += ["", f"{section.heading}:"]
        for block in section.blocks:
            if isinstance(block, Table):
                lines += [" | ".join(row) for row in (block.header, *block.rows)]
            else:
                lines.append(block)
    lines += ["", *doc.signature, ""]
    return "\n".join(lines)
