"""One template for a decision document: HTML, and the PDF printed from that same HTML.

The PDF is A4 and print-ready (WeasyPrint: pango lays out the Latvian letters; the DejaVu
Serif font has them all). Plain text is for quick reading and tests.
"""

from __future__ import annotations

from html import escape

from services.decisions.documents.layout import Document, Table

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


def render_pdf(doc: Document) -> bytes:
    """The same HTML, printed to an A4 PDF."""
    from weasyprint import HTML  # imported here: loading pango costs a second at start-up

    pdf: bytes = HTML(string=render_html(doc)).write_pdf()
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
