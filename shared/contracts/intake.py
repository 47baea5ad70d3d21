"""Events published by intake (architecture.md §2): applications and what clients report.

Only these events carry personal data (the applicant's identity and address), because the
decisions service needs it to assess and decide; partner documentation marks them so.
Fields marked ``Personal`` travel encrypted with the person's data key (issue #9).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field

from shared.events.personal import Identifies, Personal
from shared.events.registry import event
from shared.rules.vocabulary import FunctionalLimitation, Purpose

SERVICE = "intake"


class Channel(StrEnum):
    """How the application arrived (rules.md §5.1)."""

    IN_PERSON = "in_person"
    POST = "post"
    ELECTRONIC = "electronic"
    # rules.md §3.5: sent on by another municipality's social service (decisions'
    # ApplicationForwarded); received here on the day it was forwarded.
    FORWARDED = "forwarded"


class RepresentativeRelation(StrEnum):
    """Who may apply for the person (rules.md §5.1)."""

    PARENT = "parent"
    FOSTER_FAMILY = "foster_family"
    GUARDIAN = "guardian"
    AUTHORISED = "authorised"


class DocumentKind(StrEnum):
    """Attachments of rules.md §5.3."""

    COMMISSION_OPINION = "commission_opinion"
    ACTIVITY_PROOF = "activity_proof"
    REPRESENTATIVE_AUTHORITY = "representative_authority"
    MEDICAL_REFERRAL = "medical_referral"
    OTHER = "other"


class ChangeKind(StrEnum):
    """Changes of circumstances a client must report (rules.md §5.5)."""

    MOVED_RESIDENCE = "moved_residence"
    LONG_TERM_CARE = "long_term_care"
    INPATIENT = "inpatient"
    PRISON = "prison"
    STAY_ENDED = "stay_ended"
    ACTIVITIES_CHANGED = "activities_changed"
    WITHDRAWAL = "withdrawal"
    OTHER = "other"


class Person(BaseModel):
    personal_code: Annotated[str, Personal()] = Field(
        description="11 digits, normalised (rules.md §10)"
    )
    first_name: Annotated[str, Personal()]
    last_name: Annotated[str, Personal()]
    birth_date: date
    declared_address: Annotated[str, Personal("contact")]
    phone: Annotated[str | None, Personal("contact")] = None
    email: Annotated[EmailStr | None, Personal("contact")] = None


class Representative(BaseModel):
    personal_code: Annotated[str, Personal()]
    first_name: Annotated[str, Personal()]
    last_name: Annotated[str, Personal()]
    relation: RepresentativeRelation
    phone: Annotated[str | None, Personal("contact")] = None
    email: Annotated[EmailStr | None, Personal("contact")] = None


class ActivityRequest(BaseModel):
    """An activity the service is wanted for, with the hours a week claimed (rules.md §4.1)."""

    kind: str
    hours_per_week: Decimal = Field(ge=0, le=168)
    description: Annotated[str, Personal("free_text", subject="application_id")] = ""


class PurposeRequest(BaseModel):
    """A purpose of rules.md §4.2a (LV-2021 adults) with the proof that comes with it (§5.3)."""

    purpose: Purpose
    proof: str = Field(description="The proof of the purpose, e.g. an employer's statement")
    description: str = ""


@event(SERVICE)
class ApplicationSubmitted(BaseModel):
    """A written application for the assistant service was received (rules.md §5.1–5.2)."""

    application_id: Annotated[str, Identifies("applicant.personal_code")]
    received_on: date = Field(description="Latvian calendar date of receipt; starts the deadline")
    channel: Channel
    applicant: Person
    representative: Representative | None = None
    activities: list[ActivityRequest]
    receives_vision_benefit: bool = False
    weekly_medical_procedures: bool = False
    preferred_assistant: Annotated[str | None, Personal(subject="application_id")] = None
    requested_start: date | None = None
    # LV-2021 adults (rules.md §3.1, §4.2a); absent in applications submitted before.
    purposes: list[PurposeRequest] = Field(default_factory=list)
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


@event(SERVICE)
class ApplicationDocumentAdded(BaseModel):
    """A document was attached to an application (rules.md §5.3)."""

    application_id: str
    document_id: str
    kind: DocumentKind
    title: str
    content_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    storage_ref: str
    received_on: date


@event(SERVICE)
class ApplicationWithdrawn(BaseModel):
    """The applicant withdrew the application in writing (rules.md §5.6)."""

    application_id: str
    withdrawn_on: date
    reason: Annotated[str, Personal("free_text", subject="application_id")] = ""


@event(SERVICE, personal_data=True)
class CircumstancesReported(BaseModel):
    """The client reported a change of circumstances (rules.md §5.5)."""

    application_id: str
    report_id: str
    kind: ChangeKind
    effective_from: date
    effective_until: date | None = None
    description: Annotated[str, Personal("free_text", subject="application_id")] = ""
