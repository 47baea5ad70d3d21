"""The facts established and the law applied, as a decision document states them (pure).

legal.md §3 item 6: each fact with its source (disability group and validity, the opinion
or the needs assessment and validity, residence, stays, the vision benefit, activities or
purposes with their proofs); item 9: the applied law, listed with articles and points.
Only what a rule uses: no diagnosis, no contact data (legal.md §8).
"""

from __future__ import annotations

from services.decisions.documents.latvian import PURPOSES, REG_316, date_words, hours_text
from shared.contracts.decisions import AssessmentRecorded, NeedsAssessmentResult
from shared.rules import (
    ActivityKind,
    FunctionalLimitation,
    NeedResult,
    Opinion,
    Residence,
    RuleSetId,
)

REG_942 = "Ministru kabineta 2012. gada 18. decembra noteikumu Nr. 942"
# legal.md §1: the regulations by their official titles (rules.md §2 chooses by date).
REGULATION_TITLES = {
    RuleSetId.LV_2013: "Ministru kabineta 2012. gada 18. decembra noteikumi Nr. 942 „Kārtība, "
    "kādā piešķir un finansē asistenta pakalpojumu pašvaldībā”",
    RuleSetId.LV_2021: "Ministru kabineta 2021. gada 18. maija noteikumi Nr. 316 „Noteikumi "
    "par asistenta, pavadoņa un aprūpes pakalpojumu personām ar invaliditāti”",
}
REGULATION_GENITIVE = {RuleSetId.LV_2013: REG_942, RuleSetId.LV_2021: REG_316}
# In brackets after a sentence, the regulation as a whole: nominative (legal.md §7).
REGULATION_NOMINATIVE = {
    RuleSetId.LV_2013: "Ministru kabineta 2012. gada 18. decembra noteikumi Nr. 942",
    RuleSetId.LV_2021: "Ministru kabineta 2021. gada 18. maija noteikumi Nr. 316",
}
GROUPS = {1: "I", 2: "II", 3: "III"}
LIMITATIONS = {
    FunctionalLimitation.VISION: "redzes",
    FunctionalLimitation.MOBILITY: "kustību",
    FunctionalLimitation.MENTAL: "garīga rakstura",
}
ACTIVITIES = {
    ActivityKind.WORK: "darbs vai saimnieciskā darbība",
    ActivityKind.EDUCATION: "izglītības iegūšana",
    ActivityKind.HIGHER_EDUCATION: "augstākās izglītības iegūšana",
    ActivityKind.DAY_CARE: "dienas aprūpes centrs, dienas centrs, sociālā rehabilitācija",
    ActivityKind.INSTITUTIONS: "ārstniecības, valsts, pašvaldību, finanšu un tiesību "
    "aizsardzības iestādes",
    ActivityKind.SOCIAL_ACTIVITIES: "biedrību un nodibinājumu aktivitātes",
    ActivityKind.LEISURE: "sociālā iekļaušana (brīvā laika pasākumi)",
}
STAYS = {
    Residence.HOME: "Persona dzīvo savā mājoklī: tā neuzturas ilgstošas sociālās aprūpes "
    "institūcijā, stacionārā ārstniecības iestādē vai ieslodzījuma vietā.",
    Residence.LONG_TERM_CARE: "Persona uzturas ilgstošas sociālās aprūpes institūcijā.",
    Residence.INPATIENT: "Persona ārstējas stacionārā ārstniecības iestādē.",
    Residence.PRISON: "Persona atrodas ieslodzījuma vietā.",
}
VDEAVK = "Veselības un darbspēju ekspertīzes ārstu valsts komisija"
VDEAVK_GEN = "Veselības un darbspēju ekspertīzes ārstu valsts komisijas"


def facts_established(
    facts: AssessmentRecorded | None, declared_address: str, rule_set: RuleSetId | None
) -> list[str]:
    """legal.md §3 item 6: the verified facts the decision rests on, each with its source.

    Only the facts the decision's rule set reads (legal.md §8): LV-2013 the commission's
    opinion, weekly activities and the vision benefit; LV-2021 the limitations or
    indications, the social service's assessment and the purposes (a child's special-care
    opinion under both). ``rule_set`` None (a change of a grant): every recorded fact.
    """
    lines = []
    if declared_address:
        lines.append(
            f"Personas deklarētā dzīvesvieta: {declared_address} (Iedzīvotāju reģistra ziņas)."
        )
    if facts is None:
        return lines
    old = rule_set in (None, RuleSetId.LV_2013)
    new = rule_set in (None, RuleSetId.LV_2021)
    lines.append(_disability(facts))
    if facts.opinion is Opinion.SPECIAL_CARE or (old and facts.opinion is not None):
        lines.append(_opinion(facts))
    if new and facts.needs_assessment is not None:
        lines.append(assessment_fact(facts.needs_assessment))
    if new and facts.functional_limitations:
        kinds = " un ".join(LIMITATIONS[k] for k in facts.functional_limitations)
        lines.append(f"Personai ir {kinds} funkcionālie traucējumi ({VDEAVK_GEN} lēmums).")
    if new and facts.car_adaptation_indications:
        lines.append(
            f"{VDEAVK} noteikusi medicīniskās indikācijas transportlīdzekļa pielāgošanai un "
            "pabalsta saņemšanai transporta izdevumu kompensēšanai."
        )
    lines.append(STAYS[facts.residence])
    if old and facts.receives_vision_benefit:
        lines.append(
            "Persona saņem valsts pabalstu par asistenta izmantošanu (Valsts sociālās "
            "apdrošināšanas aģentūras ziņas)."
        )
    if facts.weekly_medical_procedures:
        lines.append(
            "Bērns vismaz reizi nedēļā saņem ārsta nozīmētas medicīniskās procedūras vai "
            "rehabilitāciju (nosūtījums, līgums vai pakalpojuma sniedzēja izziņa)."
        )
    for activity in facts.activities if old else ():
        hours = hours_text(activity.hours_per_week)
        lines.append(
            f"Apliecinātā darbība: {ACTIVITIES[activity.kind]}; nepieciešamais apjoms: "
            f"{hours} nedēļā (darbību apliecinošs dokuments)."
        )
    for verified in facts.purposes if new else ():
        lines.append(
            f"Apliecinātais mērķis: {PURPOSES[verified.purpose]} (pierādījums: {verified.proof})."
        )
    return lines


def _disability(facts: AssessmentRecorded) -> str:
    group = facts.disability_group
    what = "invaliditāte" if group is None else f"{GROUPS[group]} invaliditātes grupa"
    vision = " redzes traucējumu dēļ" if facts.vision_disability else ""
    valid = (
        f", derīga līdz {date_words(facts.disability_valid_until, 'dat')}"
        if facts.disability_valid_until
        else ""
    )
    return f"Personai noteikta {what}{vision}{valid} ({VDEAVK_GEN} lēmums)."


def _opinion(facts: AssessmentRecorded) -> str:
    about = (
        "asistenta nepieciešamību"
        if facts.opinion is Opinion.ASSISTANT_NEEDED
        else "īpašas kopšanas nepieciešamību smagu funkcionālu traucējumu dēļ"
    )
    valid = (
        f", derīgs līdz {date_words(facts.opinion_valid_until, 'dat')}"
        if facts.opinion_valid_until
        else ""
    )
    return f"Ir {VDEAVK_GEN} atzinums par {about}{valid}."


def applied_law(rule_set: RuleSetId, points: list[str], unfavourable: bool) -> list[str]:
    """legal.md §3 item 9: the law applied, listed separately, with articles and points."""
    lines = ["Invaliditātes likuma 12. pants."]
    regulation = REGULATION_TITLES[rule_set]
    lines.append(f"{regulation}{': ' + ', '.join(points) if points else ''}.")
    lines.append("Sociālo pakalpojumu un sociālās palīdzības likuma 10. pants.")
    apl = "Administratīvā procesa likuma "
    if unfavourable:
        lines.append(apl + "62. pants (personas viedokļa noskaidrošana).")
    lines.append(apl + "65. un 66. pants (lietderības apsvērumi).")
    lines.append(apl + "67. panta otrā daļa, 70. panta pirmā daļa un 79. panta pirmā daļa.")
    return lines


RESULTS = {
    NeedResult.NOT_ESTABLISHED: "vajadzība pēc asistenta pakalpojuma nav konstatēta",
    NeedResult.LEVEL_1: "noteikts 1. atbalsta intensitātes līmenis",
    NeedResult.LEVEL_2: "noteikts 2. atbalsta intensitātes līmenis",
}


def assessment_fact(needs: NeedsAssessmentResult) -> str:
    """rules.md §3.1: the result of the social service's own assessment, as a fact."""
    return (
        f"Sociālais dienests {date_words(needs.assessed_on, 'loc')} novērtēja personas "
        f"vajadzību pēc atbalsta un atbalsta intensitāti ({REG_316} 3. punkts un "
        f"1. pielikums; novērtēja {needs.assessor}). Rezultāts: {RESULTS[needs.result]}."
    )
