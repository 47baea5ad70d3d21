"""Commands on the case of one application (rules.md §3–5): plain, immutable data; those
``decide.py`` decides (deciding and amending are in ``grants.py``, what follows the
signature in ``after_signature.py``, each with its rules; ``decide.CaseCommand`` is all).

Commands from intake's events are built by ``consumers``; the caseworker's come from the
API. Commands that make a decision carry ``today``, the Latvian date: the domain reads
no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.decisions.case.grant_terms import AssessmentFacts
from services.decisions.case.hearing import HeardReachingBack
from shared.contracts.decisions import (
    ClaimedActivity,
    ClaimedPurpose,
    ClientData,
    RepresentativeData,
    SuspensionReason,
    TerminationReason,
)
from shared.rules import FunctionalLimitation


@dataclass(frozen=True)
class OpenCase:
    """From intake's ApplicationSubmitted (rules.md §5.1–5.2)."""

    application_id: str
    municipality: str
    received_on: date
    client: ClientData
    has_representative: bool
    claimed_activities: tuple[ClaimedActivity, ...]
    receives_vision_benefit: bool
    weekly_medical_procedures: bool
    requested_start: date | None
    # LV-2021 adults (rules.md §3.1, §4.2a), as claimed in the application.
    claimed_purposes: tuple[ClaimedPurpose, ...] = ()
    functional_limitations: tuple[FunctionalLimitation, ...] = ()
    car_adaptation_indications: bool = False
    group1_since_childhood_special_care: bool = False
    dialysis_or_stage_iv_cancer_therapy: bool = False
    representative: RepresentativeData | None = None  # legal.md §3 item 4


@dataclass(frozen=True)
class RecordDocument:
    """From intake's ApplicationDocumentAdded (rules.md §5.3)."""

    document_id: str
    kind: str
    title: str
    content_sha256: str
    storage_ref: str
    received_on: date


@dataclass(frozen=True)
class WithdrawApplication:
    """From intake's ApplicationWithdrawn (rules.md §5.6)."""

    withdrawn_on: date
    today: date


@dataclass(frozen=True)
class OpenTask:
    """From intake's CircumstancesReported (rules.md §5.5): the caseworker must look at it."""

    task_id: str
    kind: str
    description: str
    effective_from: date | None
    effective_until: date | None
    source_report_id: str | None


@dataclass(frozen=True)
class CloseTask:
    task_id: str
    resolution: str
    today: date


@dataclass(frozen=True)
class RequestInformation:
    request_id: str
    institution: str
    subject: str
    requested_on: date


@dataclass(frozen=True)
class RecordAssessment:
    facts: AssessmentFacts
    today: date


@dataclass(frozen=True)
class SuspendService(HeardReachingBack):
    reason: SuspensionReason
    suspended_from: date
    note: str
    today: date


@dataclass(frozen=True)
class ResumeService:
    resumed_on: date
    note: str
    today: date


@dataclass(frozen=True)
class TerminateService(HeardReachingBack):
    reason: TerminationReason
    terminated_from: date
    note: str
    today: date


@dataclass(frozen=True)
class ExtendDeadline:
    """APL 64(2), legal.md §6: the facts need longer; at most four months from receipt."""

    new_deadline: date
    reason: str
    today: date


@dataclass(frozen=True)
class ForwardApplication:
    """rules.md §3.5: send the application to the municipality of the declared residence."""

    to_municipality: str
    today: date


@dataclass(frozen=True)
class MarkOverdue:
    """rules.md §5.4: report an undecided case past its deadline, once."""

    today: date
