"""Issue #17: the ministry's figures follow what is in effect, never what is merely decided
(reporting's pure core fed with decisions' events; legal.md §5 item 3)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from services.reporting.contributions import contribution
from services.reporting.facts import facts_of
from shared.contracts.decisions import ObjectionDecided, ObjectionFiled, ObjectionOutcome
from tests.unit.reporting import builders as b

CASE = "case-1"
D1, D2, D3 = date(2026, 11, 20), date(2026, 12, 2), date(2026, 12, 20)


def figures(events: list[tuple[BaseModel, date]]) -> Any:
    facts: dict[str, dict[str, Any]] = {}
    for event, known_on in events:
        for fact in facts_of(event, lambda raw: f"p{abs(hash(raw)) % 10**8}"):
            facts.setdefault(fact.key, {**fact.body, "known_on": known_on.isoformat()})
    return contribution("case", facts)


def held_back(first: date, filed_on: date) -> ObjectionFiled:
    return ObjectionFiled(
        case_id=CASE,
        objection_id="o1",
        decision_number=2,
        act="ServiceTerminated",
        act_first_day=first,
        filed_on=filed_on,
        filed_by="Persona",
        holds_back=True,
        held_from=max(first, filed_on),
    )


GRANT = b.granted(CASE, decided_on=D1, start=date(2026, 12, 1), end=date(2027, 6, 30))


def test_a_held_back_termination_counts_no_termination_and_keeps_the_client_active() -> None:
    terminated = b.terminated(CASE, 2, date(2027, 2, 1))
    decided_only = figures([(GRANT, D1), (terminated, D2)])
    assert decided_only[("2027-02", "terminations", "")] == 1
    assert ("2027-03", "clients_active", "") not in decided_only
    held = figures([(GRANT, D1), (terminated, D2), (held_back(date(2027, 2, 1), D3), D3)])
    assert held.get(("2027-02", "terminations", ""), 0) == 0
    assert held[("2027-03", "clients_active", "")] == 1


def test_the_body_upholding_it_puts_it_in_effect_from_its_day() -> None:
    upheld = ObjectionDecided(
        case_id=CASE,
        objection_id="o1",
        decision_number=2,
        act="ServiceTerminated",
        outcome=ObjectionOutcome.UPHELD,
        decided_on=date(2027, 2, 20),
        body_reference="Nr. 5",
        effect_from=date(2027, 4, 1),
        holds_back=True,
    )
    events: list[tuple[BaseModel, date]] = [
        (GRANT, D1),
        (b.terminated(CASE, 2, date(2027, 2, 1)), D2),
        (held_back(date(2027, 2, 1), D3), D3),
        (upheld, date(2027, 2, 20)),
    ]
    result = figures(events)
    assert result[("2027-04", "terminations", "")] == 1
    assert result[("2027-03", "clients_active", "")] == 1
    assert ("2027-04", "clients_active", "") not in result


def test_a_death_ends_the_active_months_without_an_act() -> None:
    from shared.contracts.decisions import CaseEnded, CaseEndReason

    died = CaseEnded(
        case_id=CASE,
        reason=CaseEndReason.DEATH,
        ended_on=date(2027, 1, 10),
        last_service_day=date(2027, 1, 10),
        recorded_on=date(2027, 1, 12),
    )
    result = figures([(GRANT, D1), (died, date(2027, 1, 12))])
    assert result[("2027-01", "clients_active", "")] == 1
    assert ("2027-02", "clients_active", "") not in result
    assert result.get(("2027-01", "terminations", ""), 0) == 0
