"""The Latvian decision document (rules.md §4.5, §5.7), rendered without any server."""

from __future__ import annotations

from datetime import date

from services.decisions import documents
from services.decisions.case_commands import SuspendService, TerminateService
from services.decisions.case_state import CaseState
from shared.contracts.decisions import SuspensionReason, TerminationReason
from shared.municipalities import get_municipality
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

DAUGAVPILS = get_municipality("daugavpils")


def rendered(state_number: int = 0, **decided: object) -> tuple[str, str]:
    state = granted(**decided)
    return render(state, state_number)


def render(state: CaseState, number: int = 0) -> tuple[str, str]:
    assert state.opened is not None
    doc = documents.build(DAUGAVPILS, state.opened, state.decisions[number])
    return documents.render_html(doc), documents.render_text(doc)


def test_an_lv_2013_grant_document_states_hours_unit_breakdown_period_rule_set_and_basis() -> None:
    html, text = render(run([lv_2013_decision()], lv_2013_assessed()))
    assert "22 stundas nedēļā" in text
    assert "no 01.07.2021. līdz 31.12.2021." in text
    assert "darbs vai saimnieciskā darbība | 20 | 20" in text
    assert "sociālā iekļaušana (brīvā laika pasākumi) | 5 | 2" in text
    assert "Noteikumu kopums: LV-2013." in text
    assert "Ministru kabineta 2012. gada 18. decembra noteikumi Nr. 942" in text
    assert "Jānis Bērziņš, personas kods 120385-12342" in text
    assert "Konstatēts: sociālais dienests" not in text  # no Annex 1 assessment under LV-2013
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "<table>" in html


def test_an_lv_2021_adult_grant_states_the_assessment_as_a_fact_and_purpose_and_level() -> None:
    """rules.md §3.1, §4.2a; legal.md §3 items 6 and 8."""
    facts = adult(
        needs_assessment=needs("intensity_level_2"),
        purposes=[purpose("school_board", "Skolas izziņa"), purpose()],
    )
    html, text = render(run([decision()], assessed(facts)))
    assert "160 stundu mēnesī" in text
    assert "no 01.04.2026. līdz 31.12.2027." in text
    assert (
        "Konstatēts: sociālais dienests 10.03.2026. novērtēja personas vajadzību pēc atbalsta"
        in text
    )
    assert "novērtēja Inga Vanaga" in text
    assert "Rezultāts: noteikts 2. atbalsta intensitātes līmenis." in text
    assert "piemērojamais mērķis ir „darbs vai saimnieciskā darbība" in text
    assert "2. atbalsta intensitātes līmenim" in text and "netiek summētas" in text
    assert "Mērķis | Stundas mēnesī (2. līmenis)" in text
    assert "| 160" in text and "| 120" in text
    assert "st. nedēļā" not in text  # no weekly activity table under LV-2021
    assert "Ministru kabineta 2021. gada 18. maija noteikumi Nr. 316" in text
    assert "<table>" in html


def test_an_lv_2021_refusal_for_need_not_established_states_the_assessment() -> None:
    facts = adult(needs_assessment=needs("need_not_established"))
    _, text = render(run([decision()], assessed(facts)))
    assert "Rezultāts: vajadzība pēc asistenta pakalpojuma nav konstatēta." in text
    assert (
        "sociālā dienesta veiktajā novērtējumā nav konstatēta vajadzība pēc asistenta "
        "pakalpojuma (NEED_NOT_ESTABLISHED)" in text
    )


def test_every_decision_document_carries_the_appeal_notice_and_the_social_service() -> None:
    suspend = SuspendService(SuspensionReason.PRISON, date(2026, 5, 1), "", date(2026, 5, 2))
    end = TerminateService(TerminationReason.NOT_USED, date(2026, 9, 1), "", date(2026, 9, 1))
    state = run([suspend, end], granted())
    assert state.opened is not None
    for decision_made in state.decisions:
        text = documents.render_text(documents.build(DAUGAVPILS, state.opened, decision_made))
        assert "viena mēneša laikā no tā spēkā stāšanās dienas" in text  # rules.md §5.7
        assert "Vienības iela 8, Daugavpils, LV-5401" in text
        assert DAUGAVPILS.name in text


def test_a_reduced_grant_states_both_amounts_and_the_reason() -> None:
    _, text = rendered(hours=10, reduction_reason="Strādā divas dienas nedēļā")
    assert "pieļaujamais apjoms: 80 stundu mēnesī; piešķirtais apjoms: 10" in text
    assert "Apjoma samazinājuma pamatojums: Strādā divas dienas nedēļā" in text


def test_a_refusal_lists_each_reason_in_latvian_with_its_code() -> None:
    state = run([decision()], assessed(adult(disability_group=3, functional_limitations=[])))
    _, text = render(state)
    assert "Par atteikumu piešķirt asistenta pakalpojumu" in text
    assert "nav noteikta I vai II invaliditātes grupa (NOT_SEVERE_DISABILITY)" in text
    assert "funkcionālo traucējumu" in text and "(NO_FUNCTIONAL_LIMITATION)" in text
    lv_2013 = run([lv_2013_decision()], lv_2013_assessed(adult(opinion=None)))
    assert "(NO_COMMISSION_OPINION)" in render(lv_2013)[1]


def test_text_in_html_is_escaped() -> None:
    html, _ = rendered(hours=10, reduction_reason="<script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_hours_are_written_the_latvian_way() -> None:
    from decimal import Decimal

    assert documents.hours_lv(Decimal("18.50")) == "18,5"
    assert documents.hours_lv(Decimal("20.00")) == "20"


def test_the_hours_noun_agrees_with_the_number() -> None:
    """legal.md §7: 1 stunda, 22 stundas, 80 stundu, 18,5 stundas; accusative 21 stundu."""
    from decimal import Decimal

    from services.decisions.latvian import hours_text

    cases = {"1": "1 stunda", "21": "21 stunda", "11": "11 stundu", "22": "22 stundas"}
    cases |= {"15": "15 stundu", "80": "80 stundu", "160": "160 stundu", "18.5": "18,5 stundas"}
    for number, text in cases.items():
        assert hours_text(Decimal(number)) == text
    assert hours_text(Decimal(21), accusative=True) == "21 stundu"
    assert hours_text(Decimal(22), accusative=True) == "22 stundas"
