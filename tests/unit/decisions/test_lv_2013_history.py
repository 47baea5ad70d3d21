"""Issue #16: the new case fields are additive. Events recorded before them still parse, and a
case decided under LV-2013 replays to the same state and the same document (rules.md §2)."""

from __future__ import annotations

from pydantic import BaseModel

from services.decisions.case.commands import SuspendService
from services.decisions.case.grant_terms import AssessmentFacts
from services.decisions.case.state import CaseState
from services.decisions.documents import model as documents
from services.decisions.documents.render import render_text
from shared.contracts.decisions import SuspensionReason
from shared.events.registry import registry
from shared.municipalities import acts_data, get_municipality
from tests.unit.decisions.builders import (
    HEARD,
    LV_2013_DECIDED,
    LV_2013_START,
    adult,
    lv_2013_assessed,
    lv_2013_decision,
    replay,
    run,
)

NEW_FIELDS = {
    "claimed_purposes",
    "functional_limitations",
    "car_adaptation_indications",
    "group1_since_childhood_special_care",
    "dialysis_or_stage_iv_cancer_therapy",
    "needs_assessment",
    "purposes",
    "purpose",
    "intensity_level",
    "purpose_hours",
    "p17_exception",
}


def lv_2013_case() -> tuple[CaseState, list[BaseModel]]:
    facts = adult(functional_limitations=[], purposes=[])
    suspend = SuspendService(
        SuspensionReason.INPATIENT, LV_2013_START, "", LV_2013_DECIDED, hearing=HEARD
    )
    state = run([lv_2013_decision(), suspend], lv_2013_assessed(facts))
    events: list[BaseModel] = [state.opened] if state.opened else []
    events += [e for e in (state.assessment,) if e is not None]
    events += list(state.decisions)
    return state, events


def as_written_before(event: BaseModel) -> BaseModel:
    """The event as JSON without the fields issue #16 added, parsed again."""
    data = event.model_dump(mode="json", exclude=NEW_FIELDS)
    assert not NEW_FIELDS & set(data)
    return type(event).model_validate(data)


def test_events_written_before_the_new_fields_parse_and_replay_to_the_same_case() -> None:
    state, events = lv_2013_case()
    old = [as_written_before(e) for e in events]
    replayed = replay(old)
    assert replayed.grant == state.grant
    assert replayed.status == state.status
    assert [d.model_dump() for d in replayed.decisions] == [d.model_dump() for d in state.decisions]
    assert replayed.grant is not None and replayed.grant.unit == "week"
    assert replayed.grant.purpose is None


def test_an_lv_2013_document_is_the_same_from_old_events() -> None:
    state, events = lv_2013_case()
    replayed = replay([as_written_before(e) for e in events])
    assert state.opened is not None and replayed.opened is not None
    daugavpils, acts = get_municipality("daugavpils"), acts_data("daugavpils")
    for number in range(1, len(state.decisions) + 1):
        assert render_text(documents.build(daugavpils, acts, state, number)) == render_text(
            documents.build(daugavpils, acts, replayed, number)
        )


def test_an_old_assessment_gives_the_same_facts_with_empty_lv_2021_fields() -> None:
    state, _ = lv_2013_case()
    assert state.assessment is not None
    old = as_written_before(state.assessment)
    facts = AssessmentFacts.of(old)  # type: ignore[arg-type]
    assert (facts.needs_assessment, facts.purposes, facts.functional_limitations) == (None, [], [])
    assert facts.opinion == "assistant_needed"


def test_every_field_added_for_issue_16_is_optional() -> None:
    for spec in registry:
        if spec.service not in {"intake", "decisions"}:
            continue
        for name, info in spec.model.model_fields.items():
            if name in NEW_FIELDS:
                assert not info.is_required(), f"{spec.model.__name__}.{name}"
