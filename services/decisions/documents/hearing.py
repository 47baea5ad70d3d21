"""The hearing and the dated fact in an act's Latvian text (APL 62; legal.md §3 item 7, §4)."""

from __future__ import annotations

from services.decisions.documents.latvian import date_words
from shared.contracts.decisions import (
    DatedFact,
    DatedFactKind,
    Hearing,
    HearingException,
    HearingExceptionReason,
    HearingMethod,
)

HOW_ASKED = {
    HearingMethod.IN_PERSON: "klātienē",
    HearingMethod.LETTER: "ar vēstuli",
    HearingMethod.E_DOCUMENT: "ar elektronisko dokumentu",
    HearingMethod.OFFICIAL_E_ADDRESS: "ar paziņojumu uz oficiālo elektronisko adresi",
    HearingMethod.PHONE: "pa tālruni",
}

EXCEPTIONS = {
    HearingExceptionReason.URGENT: "lēmums jāpieņem steidzami, lai novērstu draudus personas "
    "veselībai, sabiedrības drošībai vai mantai",
    HearingExceptionReason.FACTS_FROM_PERSON: "lēmums pamatojas tikai uz personas pašas "
    "sniegtajām ziņām",
    HearingExceptionReason.UNREACHABLE: "personu nav iespējams sasniegt nevienā zināmajā adresē",
}

DATED_FACTS = {
    DatedFactKind.HOSPITAL_STAY: "uzturēšanās stacionārā ārstniecības iestādē",
    DatedFactKind.INSTITUTION_STAY: "uzturēšanās ilgstošas sociālās aprūpes institūcijā",
    DatedFactKind.PRISON_STAY: "uzturēšanās ieslodzījuma vietā",
    DatedFactKind.RESIDENCE_MOVED: "deklarētās dzīvesvietas maiņa",
    DatedFactKind.DISABILITY_ENDED: "invaliditātes termiņa beigas",
}


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def hearing_lines(hearing: Hearing) -> list[str]:
    """How, when and by when the view was asked, the view, and how it was weighed."""
    lines = [
        f"Sociālais dienests {date_words(hearing.asked_on, 'loc')} {HOW_ASKED[hearing.method]} "
        f"lūdza personu līdz {date_words(hearing.answer_by, 'dat')} izteikt viedokli "
        "(Administratīvā procesa likuma 62. panta pirmā daļa)."
    ]
    if hearing.answered_on is not None and hearing.view:
        lines.append(
            f"Persona viedokli izteica {date_words(hearing.answered_on, 'loc')}: "
            f"{_sentence(hearing.view)}"
        )
    else:
        lines.append("Persona līdz noteiktajam datumam viedokli neizteica.")
    lines.append(f"Viedokļa izvērtējums: {_sentence(hearing.weighed)}")
    return lines


def exception_line(exception: HearingException) -> str:
    return (
        f"Personas viedoklis nav noskaidrots, jo {EXCEPTIONS[exception.reason]} "
        f"(Administratīvā procesa likuma 62. panta otrā daļa): {_sentence(exception.explanation)}"
    )


def dated_fact_line(fact: DatedFact) -> str:
    """legal.md §4: the dated fact an unfavourable change reaches back to."""
    return (
        f"Lēmums piemērojams no datēta fakta: {DATED_FACTS[fact.kind]} no "
        f"{date_words(fact.on, 'gen')} (avots: {fact.source})."
    )
