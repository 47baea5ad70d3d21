"""Issue #9 for the services built beside it: the timesheets contract's sealed free text,
v1 drafts read as v2, and how timesheets and payments tell an erased person's code."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest

import shared.contracts  # noqa: F401  (registers every event type)
from shared.contracts import payments as payments_contract
from shared.contracts.timesheets import (
    EntryNote,
    Override,
    Reduction,
    ReportedEntry,
    TimesheetApproved,
    TimesheetDrafted,
)
from shared.events.personal import ERASED, personal_paths, plan_of
from shared.events.registry import registry
from shared.privacy.cipher import generate_master_key, is_sealed, parse_master_key
from shared.privacy.keyring import Keyring
from shared.privacy.protect import Protector, reference
from shared.privacy.scrub import erased_codes, erased_mark, is_erased_mark
from tests.unit.privacy.memory_bucket import MemoryBucket

DRAFT_V1: dict[str, Any] = {
    "timesheet_id": "ts-1",
    "assistant_id": "as-1",
    "case_id": "case-1",
    "assignment_id": "asg-1",
    "month": "2026-11",
    "entries": [
        {"day": "2026-11-02", "start": "08:00", "end": "12:00", "activity": "work", "hours": "4"}
    ]
    * 3,
    "notes": {"2": "ārsts", "0": "vilciens kavējās"},
}


def test_the_free_text_of_time_reports_is_marked_with_the_clients_key() -> None:
    assert {p: m.subject for p, m in personal_paths(TimesheetDrafted).items()} == {
        "notes[].note": "case_id"
    }
    assert set(personal_paths(TimesheetApproved)) == {"reductions[].reason", "overrides[].reason"}
    assert set(personal_paths(Reduction)) == set(personal_paths(Override)) == {"reason"}


def test_payments_events_carry_no_personal_field_by_design() -> None:
    models = [
        spec.model for spec in registry if spec.model.__module__ == payments_contract.__name__
    ]
    assert models, "the payments contract registers its events"
    assert [m.__name__ for m in models if not plan_of(m).empty] == []


def test_a_v1_draft_reads_as_v2_with_its_notes_in_entry_order() -> None:
    draft = registry.decode("timesheets", "TimesheetDrafted", 1, DRAFT_V1)
    assert isinstance(draft, TimesheetDrafted)
    assert draft.notes == [
        EntryNote(entry_index=0, note="vilciens kavējās"),
        EntryNote(entry_index=2, note="ārsts"),
    ]
    assert draft.notes_by_entry() == {0: "vilciens kavējās", 2: "ārsts"}
    without = registry.decode("timesheets", "TimesheetDrafted", 1, {**DRAFT_V1, "notes": {}})
    assert isinstance(without, TimesheetDrafted) and without.notes == []


def test_an_erased_note_still_parses() -> None:
    data = {**DRAFT_V1, "notes": [{"entry_index": 0, "note": ERASED}]}
    draft = registry.decode("timesheets", "TimesheetDrafted", 2, data)
    assert isinstance(draft, TimesheetDrafted) and draft.notes[0].note == ERASED


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(MemoryBucket(), parse_master_key(generate_master_key()))


async def test_notes_and_reasons_are_sealed_and_open_again(keyring: Keyring) -> None:
    protector = Protector(keyring)
    entry = ReportedEntry(
        day=date(2026, 11, 2), start=time(8), end=time(12), activity="work", hours=Decimal(4)
    )
    draft = TimesheetDrafted(
        timesheet_id="ts-1",
        assistant_id="as-1",
        case_id="case-1",
        assignment_id="asg-1",
        month="2026-11",
        entries=[entry],
        notes=[EntryNote(entry_index=0, note="vilciens kavējās")],
    )
    data = draft.model_dump(mode="json")
    sealed = await protector.seal_data(TimesheetDrafted, data, "daugavpils")
    assert is_sealed(sealed["notes"][0]["note"]) and sealed["notes"][0]["entry_index"] == 0
    assert "kavējās" not in str(sealed)
    assert await protector.open_data(sealed) == data
    # The note is under the case's key: erasing the client (whose key it is) erases it.
    await keyring.destroy(reference("daugavpils", "case_id", "case-1"))
    assert (await protector.open_data(sealed))["notes"][0]["note"] == ERASED


async def test_erased_codes_are_those_of_the_municipality_without_a_key(keyring: Keyring) -> None:
    for code in ("32000000001", "32000000002"):
        await keyring.key_for(reference("daugavpils", "personal_code", code))
    await keyring.key_for(reference("ludza", "personal_code", "32000000001"))
    await keyring.destroy(reference("daugavpils", "personal_code", "32000000001"))
    codes = ["32000000001", "32000000002", erased_mark("as-9")]
    assert await erased_codes(keyring, "daugavpils", codes) == {"32000000001"}
    # Each municipality is its own controller: Ludza's key of the same person stays.
    assert await erased_codes(keyring, "ludza", ["32000000001"]) == set()
    assert await erased_codes(keyring, "daugavpils", []) == set()


def test_the_mark_of_an_erased_code_is_unique_per_row() -> None:
    assert erased_mark("as-1") != erased_mark("as-2")
    assert is_erased_mark(erased_mark("as-1")) and is_erased_mark(ERASED)
    assert not is_erased_mark("32000000001")
