"""Commands on the case of one application (rules.md §3–5): plain, immutable data.

Commands from intake's events are built by ``consumers``; the caseworker's come from the
API. Commands that make a decision carry ``today``, the Latvian date: the domain reads
no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.decisions.case.grant_terms import AssessmentFacts
from services.decisions.case.hearing import (
    NO_HEARING,
    HearingRecord,
    require_hearing,
    require_not_retroactive,
)
from shared.contracts.decisions import (
    CaseEndReason,
    ClaimedActivity,
    ClaimedPurpose,
    ClientData,
    DatedFact,
    DefectKind,
    ObjectionOutcome,
    RepresentativeData,
    SuspensionReason,
    TerminationReason,
)
from shared.rules import FunctionalLimitation
from shared.rules.notification import NotificationMethod


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


@dataclass(frozen=True, kw_only=True)
class Heard:
    """What an act that may be unfavourable carries besides its own terms (keywords only, so
    each command's own fields keep their places)."""

    person_view: str = ""  # legal.md §3 item 7: the person's view, how it was weighed
    hearing: HearingRecord = NO_HEARING  # APL 62, legal.md §2: unfavourable acts

    def heard(self) -> dict[str, Any]:
        """How the person was heard, as the act's event records it (its keywords)."""
        return {
            "person_view": self.person_view,
            "hearing": self.hearing.hearing,
            "hearing_exception": self.hearing.exception,
        }


@dataclass(frozen=True, kw_only=True)
class HeardReachingBack(Heard):
    """An act on a grant that may reach back to a fact dated before it (issue #17 item 5)."""

    dated_fact: DatedFact | None = None

    def heard(self) -> dict[str, Any]:
        return super().heard() | {"dated_fact": self.dated_fact}

    def require_may_change(
        self, first_day: date, first_day_field: str, act: str, today: date
    ) -> None:
        """legal.md §2, §4: an unfavourable change is heard first (APL 62), and has no effect
        before its entry into force unless it follows the dated fact it names."""
        require_not_retroactive(first_day, first_day_field, self.dated_fact, today)
        require_hearing(self.hearing, act, today)


@dataclass(frozen=True)
class Decide(Heard):
    """Grant or refuse on the recorded assessment (rules.md §3–4)."""

    period_start: date
    period_end: date | None
    hours: Decimal | None
    reduction_reason: str | None
    today: date


@dataclass(frozen=True)
class AmendGrant(HeardReachingBack):
    """Change a grant after a change of circumstances (rules.md §5.5), re-assessed."""

    effective_from: date
    period_end: date | None
    hours: Decimal | None
    reduction_reason: str | None
    reason: str
    facts: AssessmentFacts | None
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
class RefuseForResidence(Heard):
    """rules.md §3.5: the declared residence is in another municipality, which decides."""

    declared_municipality: str
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


@dataclass(frozen=True)
class NotifyAct:
    """Paziņošanas likums, legal.md §6: how and when an act was handed over or sent."""

    decision_number: int
    method: NotificationMethod
    sent_on: date
    transferred_days_off: bool  # the municipality's setting (legal.md §6)
    today: date


@dataclass(frozen=True)
class FileObjection:
    """legal.md §5: an objection against an act, filed with the body."""

    objection_id: str
    decision_number: int
    filed_on: date
    filed_by: str
    today: date


@dataclass(frozen=True)
class DecideObjection:
    """legal.md §5 item 4: the body's decision on an objection, applied to the case."""

    objection_id: str
    outcome: ObjectionOutcome
    decided_on: date
    body_reference: str
    effect_from: date | None
    today: date


@dataclass(frozen=True)
class LeaveWithoutProgress:
    """APL 56(1.1), legal.md §6: a defect in the application, with a term to fix it."""

    defect: DefectKind
    fix_by: date
    note: str
    today: date


@dataclass(frozen=True)
class FixDefect:
    fixed_on: date
    today: date


@dataclass(frozen=True)
class EndCase:
    """legal.md §2: the grant reached its end date, or the person died; no act."""

    reason: CaseEndReason
    on: date | None  # the day of death; the period's end is the grant's own
    today: date


CaseCommand = (
    OpenCase
    | RecordDocument
    | WithdrawApplication
    | OpenTask
    | CloseTask
    | RequestInformation
    | RecordAssessment
    | Decide
    | AmendGrant
    | SuspendService
    | ResumeService
    | TerminateService
    | MarkOverdue
    | ExtendDeadline
    | RefuseForResidence
    | ForwardApplication
    | NotifyAct
    | FileObjection
    | DecideObjection
    | LeaveWithoutProgress
    | FixDefect
    | EndCase
)
