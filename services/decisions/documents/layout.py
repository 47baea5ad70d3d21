"""The layout of a written decision, between ``model.build`` and ``render`` (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]


Block = str | Table


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    """A decision laid out once, then rendered as HTML, PDF or text."""

    issuer: list[str]  # legal.md §3 item 1
    title: str  # "LĒMUMS"; empty for the extension notice (a letter, not an act)
    place_and_date: str  # legal.md §3 item 2: "Daugavpilī 2026. gada 2. decembrī"
    number: str  # the register number
    subject: str
    sections: list[Section]
    signature: list[str]

    @property
    def name(self) -> str:
        return self.title or self.subject


class DocumentError(ValueError):
    """The document cannot be written (e.g. no such decision)."""
