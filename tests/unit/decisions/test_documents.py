"""The Latvian decision document (rules.md §4.5, §5.7), rendered without any server."""

from __future__ import annotations

from datetime import date

from services.decisions import documents
from services.decisions.case_commands import SuspendService, TerminateService
from shared.contracts.decisions import SuspensionReason, TerminationReason
from shared.municipalities import get_municipality
from tests.unit.decisions.builders import adult, assessed, decision, granted, run

DAUGAVPILS = get_municipality("daugavpils")


def rendered(state_number: int = 0, **decided: object) -> tuple[str, str]:
    state = granted(**decided)
    assert state.opened is not None
    doc = documents.build(DAUGAVPILS, state.opened, state.decisions[state_number])
    return documents.render_html(doc), documents.render_text(doc)


def test_a_grant_document_states_hours_unit_breakdown_period_rule_set_and_basis() -> None:
    html, text = rendered()
    assert "22 stundas nedēļā" in text
    assert "no 01.04.2026. līdz 31.12.2027." in text
    assert "darbs vai saimnieciskā darbība | 20 | 20" in text
    assert "sociālā iekļaušana (brīvā laika pasākumi) | 5 | 2" in text
    assert "Noteikumu kopums: LV-2021." in text
    assert "Ministru kabineta 2021. gada 18. maija noteikumi Nr. 316" in text
    assert "Jānis Bērziņš, personas kods 120385-12342" in text
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "<table>" in html


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
    assert "pieļaujamais apjoms: 22 stundas nedēļā; piešķirtais apjoms: 10" in text
    assert "Apjoma samazinājuma pamatojums: Strādā divas dienas nedēļā" in text


def test_a_refusal_lists_each_reason_in_latvian_with_its_code() -> None:
    state = run([decision()], assessed(adult(disability_group=3, opinion=None)))
    assert state.opened is not None
    text = documents.render_text(documents.build(DAUGAVPILS, state.opened, state.decisions[0]))
    assert "Par atteikumu piešķirt asistenta pakalpojumu" in text
    assert "nav noteikta I vai II invaliditātes grupa (NOT_SEVERE_DISABILITY)" in text
    assert "(NO_COMMISSION_OPINION)" in text


def test_text_in_html_is_escaped() -> None:
    html, _ = rendered(hours=10, reduction_reason="<script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_hours_are_written_the_latvian_way() -> None:
    from decimal import Decimal

    assert documents.hours_lv(Decimal("18.50")) == "18,5"
    assert documents.hours_lv(Decimal("20.00")) == "20"
