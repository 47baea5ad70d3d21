"""The Latvian decision document (legal.md §2–§5, §7), laid out and rendered without a server."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from services.decisions.case.state import CaseState
from services.decisions.documents import model as documents
from services.decisions.documents import render as document_render
from services.decisions.documents.latvian import count_text, date_words
from shared.contracts.decisions import ApplicationRefused
from shared.municipalities import acts_data, get_municipality
from shared.rules import RefusalReason, RuleSetId
from tests.unit.decisions.builders import (
    adult,
    assessed,
    decision,
    granted,
    lv_2013_assessed,
    lv_2013_decision,
    needs,
    purpose,
    run,
)
from tests.unit.decisions.document_cases import ADDRESS, every_kind

DAUGAVPILS = get_municipality("daugavpils")
ACTS = acts_data("daugavpils")
E_SIGNATURE = "DOKUMENTS IR PARAKSTĪTS AR DROŠU ELEKTRONISKO PARAKSTU UN SATUR LAIKA ZĪMOGU"
OBJECTION = (
    "Lēmumu var apstrīdēt Daugavpils valstspilsētas pašvaldības domē (Krišjāņa Valdemāra "
    "iela 1, Daugavpils, LV-5401) viena mēneša laikā no tā spēkā stāšanās dienas"
)
COURT = "Administratīvās rajona tiesas Rēzeknes tiesu namā (Atbrīvošanas aleja 88, Rēzekne"


def text_of(state: CaseState, number: int = 1) -> str:
    return document_render.render_text(documents.build(DAUGAVPILS, ACTS, state, number))


def html_of(state: CaseState, number: int = 1) -> str:
    return document_render.render_html(documents.build(DAUGAVPILS, ACTS, state, number))


# legal.md §3: the parts every act carries, and the Latvian subject line of each kind (§2).
ACT_PARTS = (
    "DAUGAVPILS VALSTSPILSĒTAS PAŠVALDĪBA",
    "DAUGAVPILS PILSĒTAS SOCIĀLAIS DIENESTS",
    "Vienības iela 8, Daugavpils, LV-5401",
    "LĒMUMS",
    "Daugavpilī 2026. gada",
    "Adresāts:",
    f"Jānis Bērziņš, personas kods 120385-12342, deklarētā dzīvesvieta: {ADDRESS}",
    "Izskatāmais jautājums:",
    "Konstatētie fakti:",
    "Personas viedoklis:",
    "Lēmuma pamatojums:",
    "Piemērotās tiesību normas:",
    "Nolemts:",
    "Lēmums stājas spēkā ar tā paziņošanas brīdi",
    OBJECTION,
    COURT,
    "Sociālā dienesta vadītāja",
    "Inese Kalniņa",
    E_SIGNATURE,
)
SUBJECTS = {
    "grant": "Par asistenta pakalpojuma piešķiršanu",
    "amendment": "Par 2026. gada 20. marta lēmuma Nr. DSD/2026/1 grozīšanu",
    "suspension": "Par asistenta pakalpojuma sniegšanas pārtraukšanu uz laiku",
    "resumption": "Par asistenta pakalpojuma sniegšanas atjaunošanu",
    "termination": "Par asistenta pakalpojuma sniegšanas izbeigšanu",
    "refusal": "Par atteikumu piešķirt asistenta pakalpojumu",
    "residence_refusal": "Par atteikumu piešķirt asistenta pakalpojumu",
    "extension": "Par iesnieguma izskatīšanas termiņa pagarināšanu",
}
# legal.md §4: what each kind adds.
KIND_PARTS = {
    "grant": (
        "Piešķirtais apjoms: 80 stundu mēnesī.",
        "Periods: no 2026. gada 1. aprīļa līdz 2027. gada 31. decembrim.",
        "saskaņā ar līgumu, ko slēdz sociālais dienests, persona",
        "triju darba dienu laikā paziņot",
        "Apliecinātais mērķis: darbs vai saimnieciskā darbība",
        "(pierādījums: Darba līgums Nr. 7)",
        "Personai noteikta II invaliditātes grupa, derīga līdz 2027. gada 31. decembrim",
        "1. atbalsta intensitātes līmenim",
    ),
    "amendment": (
        "Mainījušies apstākļi: Darba laiks samazināts.",
        "Persona piekrīt mazākam apjomam.",
        "Piešķirtais apjoms: 60 stundu mēnesī.",
        "Periods: no 2026. gada 1. jūnija",
        "Pārējā daļā grozāmais lēmums paliek spēkā.",
        "mazāku apjomu, nekā pieļauj noteikumi, jo: Strādā mazāk stundu",
    ),
    "suspension": (
        "Fakts: ārstēšanās stacionārā ārstniecības iestādē; pirmā diena: 2026. gada 1. jūlijs.",
        "Pārtraukt asistenta pakalpojuma sniegšanu no 2026. gada 1. jūlija uz uzturēšanās laiku.",
        "Līgums ar asistentu netiek izbeigts",
        # Issue #17: the hearing (how, when, by when asked), the view and how it was weighed.
        "Sociālais dienests 2020. gada 2. janvārī ar vēstuli lūdza personu līdz 2020. gada "
        "16. janvārim izteikt viedokli",
        "Persona viedokli izteica 2020. gada 9. janvārī: Persona nepiekrīt.",
        "Viedokļa izvērtējums: Viedoklis izvērtēts, bet tas nemaina konstatētos faktus.",
    ),
    "resumption": (
        "Atjaunot asistenta pakalpojuma sniegšanu ar 2026. gada 20. jūliju.",
        "Apjoms un periods nemainās: 60 stundu mēnesī līdz 2027. gada 31. decembrim.",
    ),
    "termination": (
        "Izbeigšanas pamats: persona deklarējusi dzīvesvietu citā pašvaldībā.",
        "Izbeigt asistenta pakalpojuma sniegšanu ar 2026. gada 1. septembri.",
        "Pēdējā pakalpojuma diena: 2026. gada 31. augusts.",
        "Līgums ar asistentu izbeidzas",
    ),
    "refusal": (
        "Atteikuma pamats: personai nav noteikta I vai II invaliditātes grupa (Ministru "
        "kabineta 2021. gada 18. maija noteikumu Nr. 316 3. punkts).",
        "Personai noteikta III invaliditātes grupa",
        "Atteikt piešķirt asistenta pakalpojumu pašvaldībā.",
    ),
    "residence_refusal": (
        "Personas deklarētā dzīvesvieta ir citas pašvaldības administratīvajā teritorijā "
        "(pašvaldība: Ludzas novada pašvaldība",
        "Ministru kabineta 2021. gada 18. maija noteikumu Nr. 316 2. punkts",
        "Persona norāda, ka dzīvo Ludzā.",
    ),
    "extension": (
        "Sociālais dienests 2026. gada 2. martā saņēma Jūsu iesniegumu",
        "Iesniegums bija jāizskata līdz 2026. gada 2. aprīlim",
        "Iemesls: gaidām VDEĀVK atzinumu.",
        "pamatojoties uz Administratīvā procesa likuma 64. panta otro daļu",
        "termiņš tiek pagarināts līdz 2026. gada 29. maijam.",
        "Daugavpilī 2026. gada 25. martā",
        "Inese Kalniņa",
        E_SIGNATURE,
    ),
}
# legal.md §3 item 14: no codes, rule-set ids, internal ids or English in the text.
FORBIDDEN = re.compile(
    r"LV-20(13|21)\b|[A-Z]{3,}_[A-Z_]+|app-1|\b(the|and|of|rules\.md)\b|"
    r"\b(work|month|week|granted|refused)\b"
)


@pytest.mark.parametrize("kind", sorted(SUBJECTS))
def test_every_kind_carries_the_parts_the_law_requires(kind: str) -> None:
    state, number = every_kind()[kind]
    text = text_of(state, number)
    assert SUBJECTS[kind] in text
    for part in KIND_PARTS[kind]:
        assert part in text, f"{kind}: missing {part!r}"
    if kind == "extension":
        # A procedural letter (legal.md §2): no "LĒMUMS", no objection clause.
        assert "LĒMUMS" not in text and "apstrīdēt" not in text
        assert f"Nr. DSD/2026/{number}" in text
    else:
        for part in ACT_PARTS:
            assert part in text, f"{kind}: missing {part!r}"
        assert f"Nr. DSD/2026/{number}" in text
    assert not FORBIDDEN.search(text), FORBIDDEN.search(text)


def test_the_register_number_never_shows_an_internal_id() -> None:
    state, number = every_kind()["grant"]
    text = text_of(state, number)
    assert state.opened is not None and state.opened.case_id not in text
    assert "Lieta Nr." not in text


def test_an_lv_2013_grant_states_the_activity_table_and_the_period_kind() -> None:
    state = run([lv_2013_decision()], lv_2013_assessed())
    text = text_of(state)
    assert "Piešķirtais apjoms: 22 stundas nedēļā." in text
    assert "Periods: no 2021. gada 1. jūlija līdz 2021. gada 31. decembrim." in text
    assert "darbs vai saimnieciskā darbība | 20 | 20" in text
    assert "sociālā iekļaušana (brīvā laika pasākumi) | 5 | 2" in text
    assert "Ministru kabineta 2012. gada 18. decembra noteikumi Nr. 942" in text
    assert "Perioda veids: līdz kalendārā gada beigām." in text
    assert "atbalsta intensitāti" not in text  # no Annex 1 assessment under LV-2013
    assert "Apliecinātais mērķis" not in text  # LV-2021 facts are not stated
    assert not FORBIDDEN.search(text)


def test_an_lv_2021_grant_states_only_the_facts_its_rules_read() -> None:
    """legal.md §8: the LV-2013 opinion and weekly activities are not stated under LV-2021."""
    facts = adult(
        needs_assessment=needs("intensity_level_2"),
        purposes=[purpose("school_board", "Skolas izziņa"), purpose()],
    )
    text = text_of(run([decision()], assessed(facts)))
    assert "Piešķirtais apjoms: 160 stundu mēnesī." in text
    assert "novērtēja Inga Vanaga" in text and "2. atbalsta intensitātes līmenis" in text
    assert "Mērķis | Stundas mēnesī (2. līmenis)" in text
    assert "atzinums par asistenta nepieciešamību" not in text
    assert "Apliecinātā darbība" not in text


def test_a_refusal_names_every_ground_in_latvian_without_codes() -> None:
    state = run([decision()], assessed(adult(disability_group=3, functional_limitations=[])))
    text = text_of(state)
    assert text.count("Atteikuma pamats:") == 2
    assert "funkcionālo traucējumu" in text
    assert "NOT_SEVERE_DISABILITY" not in text and "NO_FUNCTIONAL_LIMITATION" not in text
    refusal = state.decisions[0]
    assert isinstance(refusal, ApplicationRefused)
    assert refusal.reasons == [  # the codes stay in the event
        RefusalReason.NOT_SEVERE_DISABILITY,
        RefusalReason.NO_FUNCTIONAL_LIMITATION,
    ]


def test_a_refusal_under_lv_2013_cites_regulation_942() -> None:
    state = run([lv_2013_decision()], lv_2013_assessed(adult(opinion=None)))
    refusal = state.decisions[0]
    assert isinstance(refusal, ApplicationRefused) and refusal.rule_set is RuleSetId.LV_2013
    text = text_of(state)
    assert "nav Veselības un darbspēju ekspertīzes ārstu valsts komisijas atzinuma" in text
    assert "Ministru kabineta 2012. gada 18. decembra noteikumu Nr. 942)" in text


def test_a_decision_without_register_number_or_official_falls_back_to_the_municipality() -> None:
    """Events recorded before issue #13 carry neither: the case's own number, the head."""
    text = text_of(granted())
    assert "Nr. 1\n" in text
    assert ACTS.official_position in text and ACTS.official_name in text


def test_text_in_html_is_escaped_and_the_html_is_one_template() -> None:
    html = html_of(granted(hours=10, reduction_reason="<script>alert(1)</script>"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.startswith("<!DOCTYPE html>") and '<html lang="lv">' in html
    assert "size: A4" in html


def test_dates_in_sentences_take_the_case_the_sentence_needs() -> None:
    """legal.md §7."""
    from datetime import date

    day = date(2026, 12, 2)
    assert date_words(day, "loc") == "2026. gada 2. decembrī"
    assert date_words(day, "gen") == "2026. gada 2. decembra"
    assert date_words(day, "dat") == "2026. gada 2. decembrim"
    assert date_words(day, "acc") == "2026. gada 2. decembri"
    assert date_words(date(2026, 4, 1), "gen") == "2026. gada 1. aprīļa"


def test_nouns_after_numbers_agree() -> None:
    """legal.md §7: 1 diena, 2 dienas, 10 dienu; 21 mēnesis, 12 mēnešu."""
    days = ("diena", "dienas", "dienu")
    assert [count_text(n, days) for n in (1, 2, 10, 11, 21, 22)] == [
        "1 diena",
        "2 dienas",
        "10 dienu",
        "11 dienu",
        "21 diena",
        "22 dienas",
    ]
    assert count_text(12, ("mēnesis", "mēneši", "mēnešu")) == "12 mēnešu"


def test_hours_are_written_the_latvian_way() -> None:
    assert documents.hours_lv(Decimal("18.50")) == "18,5"
    assert documents.hours_lv(Decimal("20.00")) == "20"


def test_the_hours_noun_agrees_with_the_number() -> None:
    """legal.md §7: 1 stunda, 22 stundas, 80 stundu, 18,5 stundas; accusative 21 stundu."""
    from services.decisions.documents.latvian import hours_text

    cases = {"1": "1 stunda", "21": "21 stunda", "11": "11 stundu", "22": "22 stundas"}
    cases |= {"15": "15 stundu", "80": "80 stundu", "160": "160 stundu", "18.5": "18,5 stundas"}
    for number, text in cases.items():
        assert hours_text(Decimal(number)) == text
    assert hours_text(Decimal(21), accusative=True) == "21 stundu"
    assert hours_text(Decimal(22), accusative=True) == "22 stundas"


def test_a_representative_is_named_and_the_document_is_notified_to_them() -> None:
    """legal.md §3 item 4: for a minor or a person under guardianship, the representative."""
    from shared.contracts.decisions import RepresentativeData

    parent = RepresentativeData(first_name="Inese", last_name="Ozola", relation="parent")
    state = run([decision()], assessed(has_representative=True, representative=parent))
    text = text_of(state)
    assert "Likumiskais pārstāvis: Inese Ozola (vecāks); dokumentu paziņo pārstāvim" in text
    assert "Iesniedzējs: personas likumiskais pārstāvis." in text


def test_a_child_s_grant_gives_the_fixed_month_hours_and_the_family_s_say() -> None:
    """rules.md §4.3: 100 h/month with weekly procedures; the family decides the use."""
    from datetime import date

    facts = adult(
        disability_group=None,
        opinion="special_care",
        weekly_medical_procedures=True,
        functional_limitations=[],
        needs_assessment=None,
        purposes=[],
        activities=[],
    )
    text = text_of(run([decision()], assessed(facts, birth_date=date(2015, 5, 20))))
    assert "Piešķirtais apjoms: 100 stundu mēnesī." in text
    assert "rehabilitāciju, tāpēc apjoms ir 100 stundu mēnesī." in text
    assert "Ģimene pati lemj, kad un kam stundas izmanto." in text
    assert "atzinums par īpašas kopšanas nepieciešamību" in text
    assert not FORBIDDEN.search(text)
