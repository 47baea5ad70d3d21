"""Events published by decisions (architecture.md §2): cases, decisions, assistants.

Two aggregates write them: the *case* of one application (stream ``case-<application id>``,
``case_id`` = the application id) and the *assistant* (stream ``assistant-<assistant id>``).
Hours are exact decimals; dates are Latvian calendar dates.

Personal data (rules.md §10, architecture.md §3): ``CaseOpened`` carries the client's
personal code, name and birth date (the case must be rebuildable from this service's own
events, and the assessment needs the birth date); ``AssistantRegistered`` carries the
assistant's personal code, name and IBAN (payments need them). ``HoursGranted`` repeats only
the client's ``personal_code``, the reference timesheets and payments match on. Every other
event names the case or the assistant by id only; the ministry's view never shows any of it.
Fields marked ``Personal`` (codes, names, IBANs, free text) travel encrypted with the data key
of the person (issue #9); ``Identifies`` ties a case or assistant id to that person's key.

Every administrative decision (grant, refusal, amendment, suspension, resumption,
termination) carries ``decision_number`` (1, 2, … within its case) and ``decided_on``; its
Latvian document is ``GET /municipalities/{m}/cases/{case_id}/decisions/{n}/document``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.events.personal import Identifies, Personal
from shared.events.registry import event
from shared.rules.vocabulary import (
    ActivityKind,
    AgeGroup,
    Opinion,
    RefusalReason,
    Residence,
    RuleSetId,
    TaxStatus,
    Unit,
)

SERVICE = "decisions"


class CloseReason(StrEnum):
    """Why a case ended without a decision."""

    WITHDRAWN = "withdrawn"  # rules.md §5.6: written withdrawal before the decision


class SuspensionReason(StrEnum):
    """rules.md §3.3: stays that suspend a grant (not end it). Day hospitals do not count."""

    LONG_TERM_CARE = "long_term_care"
    INPATIENT = "inpatient"
    PRISON = "prison"


class TerminationReason(StrEnum):
    """rules.md §5.6: the grounds for ending a grant."""

    WITHDRAWAL = "withdrawal"  # written withdrawal by the client or representative
    MOVED = "moved"  # moved the declared residence to another municipality (§3.5)
    EXPIRED = "expired"  # the disability status or the commission opinion expired (§4.4)
    NOT_USED = "not_used"  # the service is not used
    PERIOD_ENDED = "period_ended"  # the period ended without a new decision
    OTHER = "other"


class ClientData(BaseModel):
    """The client as the application names them (personal data: see the module docstring)."""

    personal_code: Annotated[str, Personal()] = Field(
        description="11 digits, normalised (rules.md §10)"
    )
    first_name: Annotated[str, Personal()]
    last_name: Annotated[str, Personal()]
    birth_date: date = Field(description="Decides adult or child on the period start (§3)")


class ClaimedActivity(BaseModel):
    """An activity and the weekly hours the application claims; not yet verified."""

    kind: str = Field(description="Kind as the applicant gave it (rules.md §4.1 kinds)")
    hours_per_week: Decimal


class VerifiedActivity(BaseModel):
    """An activity the caseworker verified from its proof (rules.md §5.3), with its hours."""

    kind: ActivityKind
    hours_per_week: Decimal = Field(ge=0)


class ActivityBreakdown(BaseModel):
    """One line of the activity breakdown (rules.md §4.5): claimed and allowed h/week."""

    kind: ActivityKind
    claimed: Decimal = Field(description="Verified weekly hours for the activity")
    granted: Decimal = Field(description="Hours the rules allow for it (its cap, §4.1)")


@event(SERVICE)
class CaseOpened(BaseModel):
    """A case was opened for a received application; the decision deadline runs (§5.4)."""

    case_id: Annotated[str, Identifies("client.personal_code")] = Field(
        description="Equals the application id"
    )
    application_id: Annotated[str, Identifies("client.personal_code")]
    municipality: str = Field(description="Slug of the deciding municipality (§3.5)")
    received_on: date
    decision_deadline: date = Field(
        description="rules.md §5.4: one month from receipt, moved to a working day"
    )
    client: ClientData
    has_representative: bool = False
    claimed_activities: list[ClaimedActivity] = Field(default_factory=list)
    receives_vision_benefit: bool = Field(
        default=False, description="As claimed in the application (rules.md §4.2)"
    )
    weekly_medical_procedures: bool = Field(
        default=False, description="As claimed in the application (rules.md §4.3)"
    )
    requested_start: date | None = None


@event(SERVICE)
class DocumentRecorded(BaseModel):
    """A document of the application (rules.md §5.3) was recorded on the case."""

    case_id: str
    document_id: str
    kind: str = Field(description="Document kind as intake gives it (rules.md §5.3)")
    title: str
    content_sha256: str
    storage_ref: str = Field(description="Where intake stores the file")
    received_on: date


@event(SERVICE)
class InformationRequested(BaseModel):
    """The social service asked an institution for information (rules.md §5.4).

    It does not move the decision deadline.
    """

    case_id: str
    request_id: str
    institution: str = Field(description="Whom the request went to, e.g. VDEĀVK")
    subject: Annotated[str, Personal("free_text", subject="case_id")] = Field(
        description="What information is asked for"
    )
    requested_on: date


@event(SERVICE, personal_data=True)
class AssessmentRecorded(BaseModel):
    """The caseworker recorded the verified facts the decision rests on (rules.md §3–4)."""

    case_id: str
    assessed_on: date
    disability_group: Literal[1, 2, 3] | None = Field(
        default=None, description="Group I, II or III; None for a child or unknown"
    )
    vision_disability: bool = Field(description="Group (or child's disability) for vision")
    opinion: Opinion | None = Field(description="VDEĀVK opinion (rules.md §3.1–3.2)")
    opinion_valid_until: date | None = None
    disability_valid_until: date | None = None
    receives_vision_benefit: bool = Field(description="Verified (rules.md §4.2)")
    residence: Residence = Field(description="Where the person lives (rules.md §3.3)")
    weekly_medical_procedures: bool = Field(description="Verified (rules.md §4.3)")
    activities: list[VerifiedActivity]
    note: Annotated[str, Personal("free_text", subject="case_id")] = ""


@event(SERVICE)
class HoursGranted(BaseModel):
    """The assistant service was granted (rules.md §4.5): hours, unit, breakdown, period."""

    case_id: str
    application_id: str
    decision_number: int = Field(ge=1)
    decided_on: date
    decided_late: bool = Field(description="Decided after the deadline of rules.md §5.4")
    personal_code: Annotated[str, Personal()] = Field(
        description="The client's personal code: the reference other services match on"
    )
    age_group: AgeGroup
    vision_group: bool = Field(description="Adult with group I for vision (rules.md §3.1)")
    rule_set: RuleSetId = Field(description="Chosen by the period start (rules.md §2)")
    legal_basis: str
    unit: Unit = Field(description="week (adults, §4.1) or month (children, §4.3)")
    hours: Decimal = Field(description="Granted hours per unit")
    rules_hours: Decimal = Field(description="The most the rules allow (paid hours of §4.2)")
    need_hours: Decimal = Field(description="Assessed need before the vision rule of §4.2")
    reduction_reason: Annotated[str | None, Personal("free_text", subject="case_id")] = Field(
        default=None, description="Why fewer hours than the rules allow were granted"
    )
    breakdown: list[ActivityBreakdown]
    period_start: date
    period_end: date = Field(description="Last day of the grant, inclusive (rules.md §4.4)")
    trace: list[str] = Field(description="The rules applied, with their rules.md sections")


@event(SERVICE, personal_data=True)
class ApplicationRefused(BaseModel):
    """The application was refused (rules.md §3.4): reason codes and the legal basis."""

    case_id: str
    application_id: str
    decision_number: int = Field(ge=1)
    decided_on: date
    decided_late: bool
    rule_set: RuleSetId
    legal_basis: str
    reasons: list[RefusalReason] = Field(min_length=1)
    reason_sections: dict[str, str] = Field(description="reason code -> rules.md sections")
    trace: list[str]


@event(SERVICE, personal_data=True)
class GrantAmended(BaseModel):
    """A grant was changed after a change of circumstances (rules.md §5.5), re-assessed."""

    case_id: str
    decision_number: int = Field(ge=1)
    decided_on: date
    effective_from: date = Field(description="First day the new hours apply")
    period_end: date = Field(description="New last day of the grant, inclusive")
    reason: Annotated[str, Personal("free_text", subject="case_id")] = Field(
        description="What changed"
    )
    rule_set: RuleSetId = Field(description="Chosen by effective_from (rules.md §2)")
    legal_basis: str
    unit: Unit
    hours: Decimal
    rules_hours: Decimal
    need_hours: Decimal
    reduction_reason: Annotated[str | None, Personal("free_text", subject="case_id")] = None
    breakdown: list[ActivityBreakdown]
    trace: list[str]


@event(SERVICE, personal_data=True)
class ServiceSuspended(BaseModel):
    """The grant is suspended for an institution, hospital or prison stay (rules.md §3.3)."""

    case_id: str
    decision_number: int = Field(ge=1)
    decided_on: date
    reason: SuspensionReason
    suspended_from: date = Field(description="First day without the service")
    note: Annotated[str, Personal("free_text", subject="case_id")] = ""


@event(SERVICE)
class ServiceResumed(BaseModel):
    """A suspended grant runs again after the stay ended (rules.md §3.3)."""

    case_id: str
    decision_number: int = Field(ge=1)
    decided_on: date
    resumed_on: date = Field(description="First day with the service again")
    note: Annotated[str, Personal("free_text", subject="case_id")] = ""


@event(SERVICE)
class ServiceTerminated(BaseModel):
    """The grant ended before its period or at it (rules.md §5.6)."""

    case_id: str
    decision_number: int = Field(ge=1)
    decided_on: date
    reason: TerminationReason
    terminated_from: date = Field(description="First day without the service")
    note: Annotated[str, Personal("free_text", subject="case_id")] = ""


@event(SERVICE)
class CaseClosed(BaseModel):
    """An undecided case ended without a decision (e.g. the application was withdrawn)."""

    case_id: str
    reason: CloseReason
    closed_on: date


@event(SERVICE)
class DecisionOverdue(BaseModel):
    """An undecided case passed its deadline (rules.md §5.4). Emitted once per case."""

    case_id: str
    received_on: date
    decision_deadline: date
    detected_on: date = Field(description="The Latvian date on which the check found it")


@event(SERVICE)
class TaskOpened(BaseModel):
    """Work for the caseworker on a case, e.g. a reported change of circumstances (§5.5)."""

    case_id: str
    task_id: str
    kind: str = Field(description="For reported changes: the intake ChangeKind")
    source_report_id: str | None = Field(default=None, description="CircumstancesReported id")
    effective_from: date | None = None
    effective_until: date | None = None
    description: Annotated[str, Personal("free_text", subject="case_id")] = ""


@event(SERVICE)
class TaskClosed(BaseModel):
    """The caseworker finished a task, saying what was done."""

    case_id: str
    task_id: str
    closed_on: date
    resolution: Annotated[str, Personal("free_text", subject="case_id")]


@event(SERVICE)
class AssistantRegistered(BaseModel):
    """A person was registered as an assistant (rules.md §6.1–6.2, §8.3)."""

    assistant_id: Annotated[str, Identifies("personal_code")]
    municipality: str
    personal_code: Annotated[str, Personal()] = Field(
        description="11 digits, normalised (rules.md §10)"
    )
    first_name: Annotated[str, Personal()]
    last_name: Annotated[str, Personal()]
    iban: Annotated[str, Personal("bank")] = Field(
        description="Validated, compact form (rules.md §8.3)"
    )
    tax_status: TaxStatus = Field(description="rules.md §6.2: employee_like or self_employed")
    experience: Annotated[str, Personal("free_text")] = Field(
        description="Statement of experience (rules.md §6.1)"
    )
    registered_on: date
    tax_book_held: bool = Field(
        default=False,
        description="The assistant's electronic tax book (algas nodokļa grāmatiņa) is with "
        "this municipality: only then its payments apply the monthly non-taxable minimum",
    )


@event(SERVICE)
class AssistantPaymentDetailsChanged(BaseModel):
    """The assistant's bank account, tax status or tax-book holder changed (rules.md §8).

    Only the fields given change; ``None`` keeps the previous value.
    """

    assistant_id: str
    changed_on: date
    iban: Annotated[str | None, Personal("bank", subject="assistant_id")] = Field(
        default=None, description="Validated, compact form (§8.3)"
    )
    tax_status: TaxStatus | None = None
    tax_book_held: bool | None = None


@event(SERVICE)
class AssistantAssigned(BaseModel):
    """An assistant starts serving a client's grant from a date (rules.md §6.1)."""

    assistant_id: str
    assignment_id: str
    case_id: str
    assigned_from: date
    weekly_hours: Decimal = Field(
        description="Weekly hours of this client counted against the assistant's 40 h "
        "(rules.md §6.1); a month grant counts hours x 12 / 52"
    )


@event(SERVICE)
class AssistantUnassigned(BaseModel):
    """An assistant stops serving a client."""

    assistant_id: str
    assignment_id: str
    case_id: str
    last_day: date = Field(description="Last day the assistant serves the client, inclusive")
    reason: Annotated[str, Personal("free_text", subject="assistant_id")] = ""
