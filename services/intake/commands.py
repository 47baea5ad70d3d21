"""The commands of the application aggregate (*iesniegums*): what a caseworker or another
service asks of it, each carrying the calendar date it is decided on (``today``).

A module of their own so that ``domain.py`` (decide, evolve) and ``submission.py`` (the
checks of a new application) both import them without importing each other (issue #8:
the import circle domain.py <-> submission.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shared.contracts import intake as ic
from shared.rules import FunctionalLimitation


@dataclass(frozen=True)
class SubmitApplication:
    """rules.md §5.1–5.2. Personal codes as typed by the caseworker; ``decide`` normalises."""

    application_id: str
    today: date
    received_on: date
    channel: ic.Channel
    applicant: ic.Person
    representative: ic.Representative | None
    activities: list[ic.ActivityRequest]
    receives_vision_benefit: bool = False
    weekly_medical_procedures: bool = False
    preferred_assistant: str | None = None
    requested_start: date | None = None
    # rules.md §3.1, §4.2a: what an adult decided under LV-2021 is assessed on.
    purposes: list[ic.PurposeRequest] = field(default_factory=list)
    functional_limitations: list[FunctionalLimitation] = field(default_factory=list)
    car_adaptation_indications: bool = False
    group1_since_childhood_special_care: bool = False
    dialysis_or_stage_iv_cancer_therapy: bool = False


@dataclass(frozen=True)
class AddDocument:
    """rules.md §5.3: an attachment; the file itself lives at ``storage_ref``."""

    application_id: str
    document_id: str
    today: date
    kind: ic.DocumentKind
    title: str
    content_sha256: str
    storage_ref: str
    received_on: date


@dataclass(frozen=True)
class WithdrawApplication:
    """rules.md §5.6: a written withdrawal."""

    application_id: str
    today: date
    withdrawn_on: date
    reason: str = ""


@dataclass(frozen=True)
class ReportCircumstances:
    """rules.md §5.5: the client's duty to report changes of circumstances."""

    application_id: str
    report_id: str
    today: date
    kind: ic.ChangeKind
    effective_from: date
    effective_until: date | None = None
    description: str = ""


@dataclass(frozen=True)
class RegisterForwarded:
    """rules.md §3.5: an application another municipality forwarded here (decisions'
    ``ApplicationForwarded``). Registered as received, without the checks of a form filled
    in here (the contact data stayed with the first municipality); again: nothing."""

    submitted: ic.ApplicationSubmitted

    @property
    def application_id(self) -> str:
        return self.submitted.application_id


Command = (
    SubmitApplication | AddDocument | WithdrawApplication | ReportCircumstances | RegisterForwarded
)
