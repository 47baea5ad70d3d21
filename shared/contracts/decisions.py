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
from shared.rules.notification import NotificationMethod
from shared.rules.vocabulary import (
    ActivityKind,
    AgeGroup,
    FunctionalLimitation,
    NeedResult,
    Opinion,
    PeriodKind,
    Purpose,
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
    FORWARDED = "forwarded"  # rules.md §3.5: sent to the municipality of the residence


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
    declared_address: Annotated[str, Personal("contact")] = Field(
        default="", description="Declared residence; the decision is addressed there (legal.md §3)"
    )


class RepresentativeData(BaseModel):
    """The legal representative as the application names them (legal.md §3 item 4)."""

    first_name: Annotated[str, Personal(subject="case_id")]
    last_name: Annotated[str, Personal(subject="case_id")]
    relation: str = Field(description="parent, foster_family, guardian or authorised")


class Official(BaseModel):
    """The official who decided (legal.md §3 item 13): position, first name and surname."""

    name: str
    position: str


# The parts every issued act records (legal.md §3), one definition for every act's event.
RegisterNumber = Annotated[
    str | None,
    Field(
        description="The municipality's register number (prefix/year/sequence, legal.md §3 "
        "item 2); absent on decisions issued before register numbers"
    ),
]
DecidingOfficial = Annotated[
    Official | None, Field(description="Who decided (legal.md §3 item 13)")
]
IssuedDocumentSha256 = Annotated[
    str | None,
    Field(
        description="SHA-256 of the document's HTML as issued (legal.md §3: the issued "
        "document never changes; a later rendering is checked against it)"
    ),
]


class HearingMethod(StrEnum):
    """How the person was asked for their view before an unfavourable act (APL 62)."""

    IN_PERSON = "in_person"
    LETTER = "letter"
    E_DOCUMENT = "e_document"
    OFFICIAL_E_ADDRESS = "official_e_address"
    PHONE = "phone"


class Hearing(BaseModel):
    """APL 62, legal.md §2, §3 item 7: the person was asked for their view before an
    unfavourable act; the act states the view and how it was weighed."""

    method: HearingMethod = Field(description="How the view was asked")
    asked_on: date = Field(description="When the view was asked")
    answer_by: date = Field(description="By when the person was asked to answer")
    answered_on: date | None = Field(
        default=None, description="When the view arrived; none: no answer by the date"
    )
    view: Annotated[str, Personal("free_text", subject="case_id")] = Field(
        default="", description="The person's view as given (empty: none given)"
    )
    weighed: Annotated[str, Personal("free_text", subject="case_id")] = Field(
        description="How the view was weighed in the act"
    )


class HearingExceptionReason(StrEnum):
    """APL 62(2) *(verify the points)*: when an unfavourable act may be issued unheard."""

    URGENT = "urgent"  # a delay would threaten public safety, health or property
    FACTS_FROM_PERSON = "facts_from_person"  # the act rests only on facts the person gave
    UNREACHABLE = "unreachable"  # the person cannot be reached at any known address


class HearingException(BaseModel):
    """The named exception under which the person was not heard (APL 62(2))."""

    reason: HearingExceptionReason
    explanation: Annotated[str, Personal("free_text", subject="case_id")] = Field(
        description="Why the exception applies, in the act's words"
    )


class DatedFactKind(StrEnum):
    """legal.md §4, issue #17 item 5: dated facts an unfavourable act may reach back to."""

    HOSPITAL_STAY = "hospital_stay"
    INSTITUTION_STAY = "institution_stay"
    PRISON_STAY = "prison_stay"
    RESIDENCE_MOVED = "residence_moved"
    DISABILITY_ENDED = "disability_ended"


class DatedFact(BaseModel):
    """The dated fact an act names when its first day is before its decision (legal.md §4:
    "an effective date not before notification unless the change follows a dated fact")."""

    kind: DatedFactKind
    on: date = Field(description="The day the fact began (the stay, the move, the end)")
    source: str = Field(min_length=1, description="Where the fact comes from")


# The parts every unfavourable act records (APL 62; legal.md §2, §3 item 7).
ActHearing = Annotated[
    Hearing | None, Field(description="How, when and by when the view was asked, the view")
]
ActHearingException = Annotated[
    HearingException | None, Field(description="The APL 62(2) exception, instead of a hearing")
]
ActDatedFact = Annotated[
    DatedFact | None,
    Field(description="The dated fact the act reaches back to (its first day precedes it)"),
]


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


class ClaimedPurpose(BaseModel):
    """A purpose of rules.md §4.2a the application names, with its proof; not yet verified."""

    purpose: Purpose
    proof: str = Field(description="The document that proves the purpose (rules.md §5.3)")


class VerifiedPurpose(BaseModel):
    """A purpose of rules.md §4.2a the caseworker verified from its proof (rules.md §5.3)."""

    purpose: Purpose
    proof: str = Field(min_length=1, description="The proof the caseworker saw (rules.md §5.3)")


class NeedsAssessmentResult(BaseModel):
    """rules.md §3.1 (LV-2021): the social service's Annex 1 assessment, a fact of the case."""

    result: NeedResult = Field(
        description="need_not_established, intensity_level_1 or intensity_level_2"
    )
    assessor: str = Field(description="Who at the social service made the assessment")
    assessed_on: date = Field(description="Date of the assessment; never after the decision")


class PurposeHours(BaseModel):
    """rules.md §4.2a: an applicable purpose and its monthly hours at the assessed level."""

    purpose: Purpose
    hours: Decimal = Field(description="Hours per month for this purpose at the level")
    source: str = Field(description="The rule-table row: regulation and date in force")


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
    representative: RepresentativeData | None = Field(
        default=None, description="Who acts for the person; the decision is notified to them"
    )
    claimed_activities: list[ClaimedActivity] = Field(default_factory=list)
    receives_vision_benefit: bool = Field(
        default=False, description="As claimed in the application (rules.md §4.2)"
    )
    weekly_medical_procedures: bool = Field(
        default=False, description="As claimed in the application (rules.md §4.3)"
    )
    requested_start: date | None = None
    # LV-2021 adults (rules.md §3.1, §4.2a), as claimed; absent in cases opened before.
    claimed_purposes: list[ClaimedPurpose] = Field(default_factory=list)
    functional_limitations: list[FunctionalLimitation] = Field(default_factory=list)
    car_adaptation_indications: bool = False
    group1_since_childhood_special_care: bool = False
    dialysis_or_stage_iv_cancer_therapy: bool = False


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
    activities: list[VerifiedActivity] = Field(description="Weekly activities (LV-2013, §4.1)")
    note: Annotated[str, Personal("free_text", subject="case_id")] = ""
    # LV-2021 adults (rules.md §3.1, §4.2a); absent in assessments recorded before.
    functional_limitations: list[FunctionalLimitation] = Field(
        default_factory=list, description="Verified functional limitations (rules.md §3.1)"
    )
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
    needs_assessment: NeedsAssessmentResult | None = Field(
        default=None, description="The social service's own assessment (rules.md §3.1)"
    )
    purposes: list[VerifiedPurpose] = Field(
        default_factory=list, description="Verified purposes with their proofs (rules.md §4.2a)"
    )


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
    rule_set: RuleSetId = Field(description="Chosen by the decision date (rules.md §2)")
    legal_basis: str
    unit: Unit = Field(
        description="week (LV-2013, §4.1) or month (LV-2021 adults §4.2a, children §4.3); "
        "time reports are checked against this unit, never against the age"
    )
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
    # LV-2021 adults (rules.md §3.1, §4.2a); absent in grants of children and under LV-2013.
    purpose: Purpose | None = Field(default=None, description="The purpose whose hours apply")
    intensity_level: Literal[1, 2] | None = Field(
        default=None, description="Support intensity level of the assessment"
    )
    purpose_hours: list[PurposeHours] = Field(
        default_factory=list, description="Every applicable purpose; the highest counts"
    )
    needs_assessment: NeedsAssessmentResult | None = Field(
        default=None, description="The assessment the decision rests on (rules.md §3.1)"
    )
    p17_exception: bool = Field(
        default=False, description="Granted under Reg. 316 p. 17 without an established need"
    )
    period_kind: PeriodKind | None = Field(
        default=None, description="LV-2013: the kind of period (rules.md §4.4)"
    )
    period_months: int | None = Field(default=None, description="With several_months")
    register_number: RegisterNumber = None
    official: DecidingOfficial = None
    document_sha256: IssuedDocumentSha256 = None


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
    needs_assessment: NeedsAssessmentResult | None = Field(
        default=None, description="LV-2021 adults: the assessment the refusal rests on (§3.1)"
    )
    declared_municipality: str | None = Field(
        default=None,
        description="RESIDENCE_ELSEWHERE: the municipality of the declared residence (§3.5)",
    )
    register_number: RegisterNumber = None
    official: DecidingOfficial = None
    document_sha256: IssuedDocumentSha256 = None
    person_view: Annotated[str, Personal("free_text", subject="case_id")] = Field(
        default="", description="The person's view and how it was weighed (legal.md §3 item 7)"
    )
    hearing: ActHearing = None
    hearing_exception: ActHearingException = None


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
    rule_set: RuleSetId = Field(description="Chosen by the decision date (rules.md §2)")
    legal_basis: str
    unit: Unit = Field(description="As in HoursGranted: week (LV-2013) or month")
    hours: Decimal
    rules_hours: Decimal
    need_hours: Decimal
    reduction_reason: Annotated[str | None, Personal("free_text", subject="case_id")] = None
    breakdown: list[ActivityBreakdown]
    trace: list[str]
    # LV-2021 adults (rules.md §3.1, §4.2a), as in HoursGranted.
    purpose: Purpose | None = None
    intensity_level: Literal[1, 2] | None = None
    purpose_hours: list[PurposeHours] = Field(default_factory=list)
    needs_assessment: NeedsAssessmentResult | None = None
    p17_exception: bool = False
    period_kind: PeriodKind | None = Field(
        default=None, description="LV-2013: the kind of period (rules.md §4.4)"
    )
    period_months: int | None = Field(default=None, description="With several_months")
    register_number: RegisterNumber = None
    official: DecidingOfficial = None
    document_sha256: IssuedDocumentSha256 = None
    person_view: Annotated[str, Personal("free_text", subject="case_id")] = Field(
        default="", description="The person's view and how it was weighed (legal.md §3 item 7)"
    )
    hearing: ActHearing = None
    hearing_exception: ActHearingException = None
    dated_fact: ActDatedFact = None


@event(SERVICE, personal_data=True)
class ServiceSuspended(BaseModel):
    """The grant is suspended for an institution, hospital or prison stay (rules.md §3.3)."""

    case_id: str
    decision_number: int = Field(ge=1)
    decided_on: date
    reason: SuspensionReason
    suspended_from: date = Field(description="First day without the service")
    note: Annotated[str, Personal("free_text", subject="case_id")] = ""
    register_number: RegisterNumber = None
    official: DecidingOfficial = None
    document_sha256: IssuedDocumentSha256 = None
    person_view: Annotated[str, Personal("free_text", subject="case_id")] = Field(
        default="", description="The person's view and how it was weighed (legal.md §3 item 7)"
    )
    hearing: ActHearing = None
    hearing_exception: ActHearingException = None
    dated_fact: ActDatedFact = None


@event(SERVICE)
class ServiceResumed(BaseModel):
    """A suspended grant runs again after the stay ended (rules.md §3.3)."""

    case_id: str
    decision_number: int = Field(ge=1)
    decided_on: date
    resumed_on: date = Field(description="First day with the service again")
    note: Annotated[str, Personal("free_text", subject="case_id")] = ""
    register_number: RegisterNumber = None
    official: DecidingOfficial = None
    document_sha256: IssuedDocumentSha256 = None


@event(SERVICE)
class ServiceTerminated(BaseModel):
    """The grant ended before its period or at it (rules.md §5.6)."""

    case_id: str
    decision_number: int = Field(ge=1)
    decided_on: date
    reason: TerminationReason
    terminated_from: date = Field(description="First day without the service")
    note: Annotated[str, Personal("free_text", subject="case_id")] = ""
    register_number: RegisterNumber = None
    official: DecidingOfficial = None
    document_sha256: IssuedDocumentSha256 = None
    person_view: Annotated[str, Personal("free_text", subject="case_id")] = Field(
        default="", description="The person's view and how it was weighed (legal.md §3 item 7)"
    )
    hearing: ActHearing = None
    hearing_exception: ActHearingException = None
    dated_fact: ActDatedFact = None


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


@event(SERVICE, personal_data=True)
class DeadlineExtended(BaseModel):
    """The decision deadline was extended for an objective reason (APL art. 64(2)).

    At most four months from receipt (legal.md §6), decided before the deadline in force
    expires; the applicant gets a written notice (legal.md §4), numbered like a decision.
    Overdue checks use ``new_deadline`` from then on (rules.md §5.4).
    """

    case_id: str
    decision_number: int = Field(ge=1, description="The notice's number within the case")
    decided_on: date
    received_on: date
    previous_deadline: date = Field(description="The deadline in force before the extension")
    new_deadline: date = Field(description="At most four months from receipt (APL 64(2))")
    reason: str = Field(description="The objective reason the facts need longer (free text)")
    register_number: RegisterNumber = None
    official: DecidingOfficial = None
    document_sha256: IssuedDocumentSha256 = None


class ObjectionOutcome(StrEnum):
    """What the body that hears objections decided (legal.md §5 item 4)."""

    UPHELD = "upheld"  # the act stands: it takes effect again from ``effect_from``
    CHANGED = "changed"  # the act stands with another first day (``effect_from``)
    REVOKED = "revoked"  # the act is void: the terms before it stay in effect


class DefectKind(StrEnum):
    """APL 56(1.1), legal.md §6: defects that leave an application without progress."""

    UNSIGNED = "unsigned"
    NOT_IN_LATVIAN = "not_in_latvian"
    NO_REPRESENTATIVE_AUTHORITY = "no_representative_authority"


class CaseEndReason(StrEnum):
    """legal.md §2: a case that ends without a document."""

    PERIOD_ENDED = "period_ended"  # the grant reached its end date: the act ends by its term
    DEATH = "death"  # the person died: the act lapses


class RestoredTerms(BaseModel):
    """The grant as it was before a held-back act (legal.md §5 item 3)."""

    unit: Unit
    hours: Decimal
    hours_from: date = Field(description="First day these hours applied")
    period_end: date


@event(SERVICE)
class ActNotified(BaseModel):
    """An act was notified (Paziņošanas likums; legal.md §6): how, when it was handed over
    or sent, the day it counts as notified, the day it takes effect (APL 70(1)) and the
    last day for an objection (APL 79(1))."""

    case_id: str
    decision_number: int = Field(ge=1, description="The act notified")
    act: str = Field(default="", description="The act's event type, e.g. ServiceTerminated")
    act_first_day: date | None = Field(
        default=None, description="The act's own first day of effect, when it changes a grant"
    )
    method: NotificationMethod
    sent_on: date = Field(description="Handed over (in person) or posted or sent")
    notified_on: date = Field(description="The day the act counts as notified")
    effective_on: date = Field(description="The day the act takes effect (APL 70(1))")
    objection_deadline: date = Field(description="Last day to file an objection (APL 79(1))")
    transferred_days_off: bool = Field(
        default=False,
        description="Whether the municipality counts days off transferred by Cabinet order",
    )
    first_day_in_effect: date | None = Field(
        default=None,
        description="For an unfavourable change whose first day preceded its entry into "
        "force without a dated fact: the day the change starts instead (issue #17 item 5)",
    )
    recorded_on: date


@event(SERVICE)
class ObjectionFiled(BaseModel):
    """An objection against an act was filed (legal.md §5). It suspends the act from the day
    of filing (APL 80): a contested termination, interruption or reduction has no effect
    from ``held_from`` while it is pending (``holds_back``); a contested refusal or a
    favourable act changes nothing."""

    case_id: str
    objection_id: str
    decision_number: int = Field(ge=1, description="The act objected to")
    act: str = Field(description="The act's event type, e.g. ServiceTerminated")
    act_first_day: date | None = Field(
        default=None,
        description="The act's first day of effect (terminated_from, "
        "suspended_from, effective_from), for a held-back act",
    )
    filed_on: date
    filed_by: Annotated[str, Personal("free_text", subject="case_id")] = Field(
        description="Who filed it (the person, the representative)"
    )
    holds_back: bool = Field(description="The act's effect is held back while pending")
    held_from: date | None = Field(
        default=None,
        description="First day the act's effect is undone: the later of its "
        "first day and the filing day",
    )
    restored: RestoredTerms | None = Field(
        default=None, description="A held-back reduction: the grant in effect again"
    )


@event(SERVICE)
class ObjectionDecided(BaseModel):
    """The body decided the objection (legal.md §5 item 4) and it was applied: an upheld or
    changed act takes effect (again) from ``effect_from``; a revoked act never does."""

    case_id: str
    objection_id: str
    decision_number: int = Field(ge=1, description="The act objected to")
    act: str = Field(description="The act's event type")
    outcome: ObjectionOutcome
    decided_on: date = Field(description="When the body decided")
    body_reference: str = Field(description="The body's decision: number and date")
    effect_from: date | None = Field(
        default=None, description="Upheld or changed: the first day the act has effect"
    )
    holds_back: bool = Field(description="Whether the objection had held the act back")
    terms: RestoredTerms | None = Field(
        default=None,
        description="An upheld or changed reduction: the grant in effect from effect_from",
    )


@event(SERVICE)
class ApplicationLeftWithoutProgress(BaseModel):
    """APL 56(1.1), legal.md §6: the application has a defect; the person is asked to fix it
    by ``fix_by``; the one-month decision term does not run until it is fixed."""

    case_id: str
    defect: DefectKind
    noted_on: date
    fix_by: date
    note: Annotated[str, Personal("free_text", subject="case_id")] = ""


@event(SERVICE)
class DefectFixed(BaseModel):
    """The defect was fixed; the one-month decision term runs from ``fixed_on`` (legal.md §6)."""

    case_id: str
    fixed_on: date
    decision_deadline: date = Field(description="One month from the fix, on a working day")


@event(SERVICE)
class CaseEnded(BaseModel):
    """legal.md §2: the grant reached its end date, or the person died; no act is issued.
    The case closes; assignments end on ``last_service_day``."""

    case_id: str
    reason: CaseEndReason
    ended_on: date = Field(description="The day of the end (the period's end, or the death)")
    last_service_day: date = Field(description="The last day with the service")
    recorded_on: date


@event(SERVICE, personal_data=True)
class ApplicationForwarded(BaseModel):
    """rules.md §3.5: the applicant's declared residence is in another municipality, and the
    caseworker forwarded the application there instead of refusing it. Carries what the
    application said, so that the other municipality's intake can register it; this case
    then closes (``CaseClosed``, reason ``forwarded``)."""

    case_id: str
    application_id: str
    from_municipality: str
    to_municipality: str = Field(description="Slug of the municipality of the residence")
    forwarded_on: date
    received_on: date = Field(description="When the first municipality received it")
    client: ClientData
    has_representative: bool = False
    claimed_activities: list[ClaimedActivity] = Field(default_factory=list)
    claimed_purposes: list[ClaimedPurpose] = Field(default_factory=list)
    receives_vision_benefit: bool = False
    weekly_medical_procedures: bool = False
    requested_start: date | None = None


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
