"""Request and response bodies of the intake API (shapes only; the rules are in the domain).

Pydantic checks what a field *is* (a date, an e-mail, one of the kinds, 64 hex digits);
the domain checks what the law asks of the application as a whole (rules.md §5, §10).
Unknown fields are refused, so a misspelt optional field is not silently dropped.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from services.intake.domain import Status
from shared.contracts.intake import (
    ActivityRequest,
    ChangeKind,
    Channel,
    DocumentKind,
    Person,
    PurposeRequest,
    Representative,
    RepresentativeRelation,
)
from shared.rules import ActivityKind, FunctionalLimitation, Purpose

Name = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(max_length=2000)]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ()-]{4,24}$", examples=["+371 26123456"])]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ApplicantIn(_In):
    """rules.md §5.2: who the service is for."""

    personal_code: str = Field(
        min_length=1, max_length=20, description="either format; hyphen optional (rules.md §10)"
    )
    first_name: Name
    last_name: Name
    birth_date: date
    declared_address: str = Field(min_length=1, max_length=300)
    phone: Phone | None = None
    email: EmailStr | None = None

    def to_contract(self) -> Person:
        return Person(**self.model_dump())


class RepresentativeIn(_In):
    """rules.md §5.1: a parent, foster family, guardian or authorised person."""

    personal_code: str = Field(min_length=1, max_length=20)
    first_name: Name
    last_name: Name
    relation: RepresentativeRelation
    phone: Phone | None = None
    email: EmailStr | None = None

    def to_contract(self) -> Representative:
        return Representative(**self.model_dump())


class ActivityIn(_In):
    """rules.md §4.1: an activity and the hours a week claimed for it."""

    kind: ActivityKind
    hours_per_week: Decimal = Field(gt=0, le=168, decimal_places=2)
    description: Text = ""

    def to_contract(self) -> ActivityRequest:
        return ActivityRequest(
            kind=self.kind.value, hours_per_week=self.hours_per_week, description=self.description
        )


class PurposeIn(_In):
    """rules.md §4.2a (adults under LV-2021): a purpose and the proof that comes with it (§5.3)."""

    purpose: Purpose
    proof: str = Field(
        min_length=1,
        max_length=500,
        description="The proof of the purpose (rules.md §5.3), e.g. an employer's statement",
        examples=["Darba devēja izziņa, 20.10.2026."],
    )
    description: Text = ""

    def to_contract(self) -> PurposeRequest:
        return PurposeRequest(**self.model_dump())


class SubmitIn(_In):
    channel: Channel = Field(description="in_person, post or electronic (rules.md §5.1)")

    @field_validator("channel")
    @classmethod
    def _not_forwarded(cls, channel: Channel) -> Channel:
        # Only another municipality's forwarding (decisions' ApplicationForwarded) makes a
        # forwarded application; a caseworker records how the person applied.
        if channel is Channel.FORWARDED:
            raise ValueError("Input should be 'in_person', 'post' or 'electronic'")
        return channel

    received_on: date | None = Field(None, description="default: today in Riga")
    applicant: ApplicantIn
    representative: RepresentativeIn | None = None
    activities: list[ActivityIn] = Field(default_factory=list, max_length=20)
    receives_vision_benefit: bool = False
    weekly_medical_procedures: bool = False
    preferred_assistant: Name | None = None
    requested_start: date | None = None
    # Adults under LV-2021 (rules.md §3.1, §4.2a): purposes with proofs instead of weekly
    # activities; the functional limitations or the car-adaptation indications.
    purposes: list[PurposeIn] = Field(default_factory=list, max_length=10)
    functional_limitations: list[FunctionalLimitation] = Field(default_factory=list)
    car_adaptation_indications: bool = Field(
        default=False,
        description="VDEĀVK indications for adapting a car and the transport-cost benefit",
    )
    group1_since_childhood_special_care: bool = Field(
        default=False, description="Group I since childhood with special-care indications"
    )
    dialysis_or_stage_iv_cancer_therapy: bool = Field(
        default=False,
        description="Regular haemodialysis, or therapy of a stage-IV cancer (Reg. 316 p. 17)",
    )


class DocumentIn(_In):
    kind: DocumentKind
    title: str = Field(min_length=1, max_length=300)
    content_sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="SHA-256, 64 hex")
    storage_ref: str = Field(
        min_length=1, max_length=1000, examples=["s3://daugavpils-intake/2026/11/opinion.pdf"]
    )
    received_on: date | None = Field(None, description="default: today in Riga")


class WithdrawalIn(_In):
    reason: Text = ""
    withdrawn_on: date | None = Field(None, description="default: today in Riga")


class CircumstancesIn(_In):
    kind: ChangeKind
    effective_from: date
    effective_until: date | None = None
    description: Text = ""


# ---- responses ---------------------------------------------------------------------------


class SubmittedOut(BaseModel):
    application_id: str
    status: Status
    received_on: date
    decision_due_on: date = Field(description="rules.md §5.4: one month, on a working day")
    version: int


class DeliveryOut(BaseModel):
    """Whether an application's events are on the bus, where the decisions service reads them."""

    application_id: str
    delivery: Literal["queued", "published"]
    unpublished_events: int
    bus_available: bool


class DocumentOut(BaseModel):
    document_id: str
    kind: DocumentKind
    title: str
    content_sha256: str
    storage_ref: str
    received_on: date


class WithdrawnOut(BaseModel):
    application_id: str
    status: Status
    withdrawn_on: date
    reason: str
    version: int


class ChangeOut(BaseModel):
    report_id: str
    kind: ChangeKind
    effective_from: date
    effective_until: date | None
    description: str


class ApplicationStatus(StrEnum):
    """What an application shows: intake's own status until the case at decisions says
    more (services/intake/case_status.py, issue 18)."""

    SUBMITTED = "submitted"
    OPEN = "open"  # the case is open at decisions, not yet decided
    GRANTED = "granted"
    REFUSED = "refused"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    WITHDRAWN = "withdrawn"
    FORWARDED = "forwarded"
    CLOSED = "closed"


class ApplicationSummary(BaseModel):
    application_id: str
    status: ApplicationStatus
    decided_on: date | None = Field(
        default=None, description="The date of the case's latest decision, forwarding or closing"
    )
    decision_number: int | None = Field(
        default=None, description="The case's latest decision (1 the grant or refusal, …)"
    )
    applicant_name: str
    channel: Channel
    received_on: date
    decision_due_on: date
    document_count: int
    change_count: int
    withdrawn_on: date | None
    version: int


class ApplicationPage(BaseModel):
    items: list[ApplicationSummary]
    total: int
    limit: int
    offset: int


class ApplicationDetail(ApplicationSummary):
    applicant: Person
    representative: Representative | None
    activities: list[ActivityRequest]
    purposes: list[PurposeRequest] = Field(default_factory=list)
    functional_limitations: list[FunctionalLimitation] = Field(default_factory=list)
    car_adaptation_indications: bool = False
    group1_since_childhood_special_care: bool = False
    dialysis_or_stage_iv_cancer_therapy: bool = False
    receives_vision_benefit: bool
    weekly_medical_procedures: bool
    preferred_assistant: str | None
    requested_start: date | None
    withdrawal_reason: str | None
    submitted_at: datetime
    updated_at: datetime
    documents: list[DocumentOut]
    changes: list[ChangeOut]
