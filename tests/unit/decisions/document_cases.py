"""One case of every document kind (legal.md §2), built from commands as the service does."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from services.decisions.case.commands import (
    ExtendDeadline,
    ResumeService,
    SuspendService,
    TerminateService,
)
from services.decisions.case.grants import AmendGrant, RefuseForResidence
from services.decisions.case.state import CaseState
from shared.contracts.decisions import (
    ClientData,
    Official,
    SuspensionReason,
    TerminationReason,
)
from tests.unit.decisions.builders import DECIDED, HEARD, adult, assessed, decision, open_case, run

ADDRESS = "Vienības iela 1-5, Daugavpils, LV-5401"
CLIENT = ClientData(
    personal_code="12038512342",
    first_name="Jānis",
    last_name="Bērziņš",
    birth_date=date(1985, 3, 12),
    declared_address=ADDRESS,
)
OFFICIAL = Official(name="Inese Kalniņa", position="Sociālā dienesta vadītāja")


def _stamped(state: CaseState) -> CaseState:
    """Register numbers and the official, as the handler stamps them before storing."""
    decisions = tuple(
        d.model_copy(
            update={
                "register_number": f"DSD/{d.decided_on.year}/{d.decision_number}",
                "official": OFFICIAL,
            }
        )
        for d in state.decisions
    )
    return replace(state, decisions=decisions)


def opened_with_address() -> CaseState:
    return run([open_case(client=CLIENT)])


def grant_and_changes() -> CaseState:
    """Grant (1), amendment (2), suspension (3), resumption (4), termination (5)."""
    state = assessed(adult(), client=CLIENT)
    later = date(2026, 5, 4)
    state = run(
        [
            decision(),
            AmendGrant(
                date(2026, 6, 1),
                None,
                Decimal(60),
                "Strādā mazāk stundu",
                "Darba laiks samazināts",
                None,
                later,
                person_view="Persona piekrīt mazākam apjomam",
                hearing=HEARD,
            ),
            SuspendService(SuspensionReason.INPATIENT, date(2026, 7, 1), "", later, hearing=HEARD),
            ResumeService(date(2026, 7, 20), "", later),
            TerminateService(TerminationReason.MOVED, date(2026, 9, 1), "", later, hearing=HEARD),
        ],
        state,
    )
    return _stamped(state)


def refused() -> CaseState:
    state = assessed(adult(disability_group=3, functional_limitations=[]), client=CLIENT)
    return _stamped(run([decision()], state))


def refused_for_residence() -> CaseState:
    state = run(
        [
            RefuseForResidence(
                "ludza", DECIDED, person_view="Persona norāda, ka dzīvo Ludzā", hearing=HEARD
            )
        ],
        opened_with_address(),
    )
    return _stamped(state)


def extended() -> CaseState:
    state = run(
        [ExtendDeadline(date(2026, 5, 29), "gaidām VDEĀVK atzinumu", date(2026, 3, 25))],
        assessed(adult(), client=CLIENT),
    )
    return _stamped(state)


def every_kind() -> dict[str, tuple[CaseState, int]]:
    """Kind → (case, decision number)."""
    changes = grant_and_changes()
    return {
        "grant": (changes, 1),
        "amendment": (changes, 2),
        "suspension": (changes, 3),
        "resumption": (changes, 4),
        "termination": (changes, 5),
        "refusal": (refused(), 1),
        "residence_refusal": (refused_for_residence(), 1),
        "extension": (extended(), 1),
    }
