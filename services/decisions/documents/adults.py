"""The parts of a decision document on an adult under LV-2021 (rules.md §3.1, §4.2a).

legal.md §3 item 6: the social service's needs assessment is stated as an established fact,
with its date and who made it; item 8: the purpose and the support intensity level are the
reasoning for the monthly hours (the highest applicable purpose, not a sum).
"""

from __future__ import annotations

from services.decisions.documents.latvian import PURPOSES, REG_316, hours_lv, hours_text
from shared.contracts.decisions import GrantAmended, HoursGranted


def purpose_reasoning(
    decision: HoursGranted | GrantAmended,
) -> tuple[list[str], tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """rules.md §4.2a: sentences of the reasoning, and the table of applicable purposes."""
    assert decision.purpose is not None and decision.intensity_level is not None
    level = decision.intensity_level
    sentences = []
    if decision.p17_exception:
        sentences.append(
            f"Pakalpojums piešķirts saskaņā ar {REG_316} 17. punktu: personai ir medicīniskās "
            "indikācijas transportlīdzekļa pielāgošanai, un tai nepieciešama regulāra "
            "hemodialīze vai IV stadijas onkoloģiskas slimības terapija; apjomu nosaka "
            "1. atbalsta intensitātes līmenim."
        )
    best = next(
        (line.hours for line in decision.purpose_hours if line.purpose == decision.purpose),
        decision.rules_hours,
    )
    sentences.append(
        f"Piemērojamais mērķis ir „{PURPOSES[decision.purpose]}”; "
        f"{level}. atbalsta intensitātes līmenim {REG_316} 1. pielikums tam paredz "
        f"{hours_text(best, accusative=True)} mēnesī. Ja piemērojami vairāki mērķi, apjomu "
        "nosaka pēc mērķa ar lielāko stundu skaitu; mērķu stundas netiek summētas."
    )
    header: tuple[str, ...] = ("Mērķis", f"Stundas mēnesī ({level}. līmenis)")
    rows: list[tuple[str, ...]] = [
        (PURPOSES[line.purpose], hours_lv(line.hours)) for line in decision.purpose_hours
    ]
    return sentences, (header, rows)
