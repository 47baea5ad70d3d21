"""The commands of the application aggregate (*iesniegums*): what a caseworker or another
service asks of it, each carrying the calendar date it is decided on (``today``).

A module of their own so that ``domain.py`` (decide, evolve) and ``submission.py`` (the
checks of a new application) both import them without importing each other (issue #8:
the import circle domain.py <-> submission.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Generic, Protocol, TypeVar

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


class _OfApplication(Protocol):
    @property
    def application_id(self) -> str: ...


E = TypeVar("E", bound=_OfApplication)


@dataclass(frozen=True)
class Recording(Generic[E]):
    """A command that records ``event`` on its application: what arrived about it, as it
    will be published. Intake decides nothing of it (the decisions service does), so the
    command carries the event itself rather than a copy of its fields; ``decide`` checks
    that the application still takes it and that its dates hold on ``today``."""

    event: E
    today: date

    @property
    def application_id(self) -> str:
        return self.event.application_id


class AddDocument(Recording[ic.ApplicationDocumentAdded]):
    """rules.md §5.3: an attachment; the file itself lives at ``storage_ref``."""


class WithdrawApplication(Recording[ic.ApplicationWithdrawn]):
    """rules.md §5.6: a written withdrawal."""


class ReportCircumstances(Recording[ic.CircumstancesReported]):
    """rules.md §5.5: the client's duty to report changes of circumstances."""


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
