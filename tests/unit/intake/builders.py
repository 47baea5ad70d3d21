"""Commands for the intake domain tests: a valid adult application, changed per test."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from services.intake import domain
from shared.contracts.intake import (
    ActivityRequest,
    ApplicationDocumentAdded,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    ChangeKind,
    Channel,
    CircumstancesReported,
    DocumentKind,
    Person,
    Representative,
    RepresentativeRelation,
)

APPLICATION_ID = "0190f5a2-0000-7000-8000-000000000001"
TODAY = date(2026, 11, 21)
RECEIVED = date(2026, 11, 20)
ADULT_CODE = "120385-12342"  # rules.md §10's example: born 12.03.1985
ADULT_BIRTH = date(1985, 3, 12)
CHILD_CODE = "150620-23454"  # born 15.06.2020, century digit 2
CHILD_BIRTH = date(2020, 6, 15)
NEW_CODE = "32345678901"  # new format (rules.md §10): no date, no check digit


def person(**changes: Any) -> Person:
    fields: dict[str, Any] = {
        "personal_code": ADULT_CODE,
        "first_name": "Jānis",
        "last_name": "Bērziņš",
        "birth_date": ADULT_BIRTH,
        "declared_address": "Rīgas iela 1, Daugavpils, LV-5401",
        "phone": "+371 26123456",
    }
    return Person(**{**fields, **changes})


def parent(**changes: Any) -> Representative:
    fields: dict[str, Any] = {
        "personal_code": ADULT_CODE,
        "first_name": "Anna",
        "last_name": "Bērziņa",
        "relation": RepresentativeRelation.PARENT,
        "email": "anna@example.lv",
    }
    return Representative(**{**fields, **changes})


def activity(kind: str = "work", hours: str = "10") -> ActivityRequest:
    return ActivityRequest(kind=kind, hours_per_week=Decimal(hours))


def submit(**changes: Any) -> domain.SubmitApplication:
    command = domain.SubmitApplication(
        application_id=APPLICATION_ID,
        today=TODAY,
        received_on=RECEIVED,
        channel=Channel.IN_PERSON,
        applicant=person(),
        representative=None,
        activities=[activity()],
    )
    return replace(command, **changes)


def child_submission(**changes: Any) -> domain.SubmitApplication:
    base: dict[str, Any] = {
        "applicant": person(personal_code=CHILD_CODE, birth_date=CHILD_BIRTH, phone=None),
        "representative": parent(),
        "activities": [],
    }
    return submit(**{**base, **changes})


def submitted_state() -> domain.Application:
    [event] = domain.decide(submit(), domain.INITIAL)
    assert isinstance(event, ApplicationSubmitted)
    return domain.evolve(domain.INITIAL, event)


def add_document(**changes: Any) -> domain.AddDocument:
    """A document received today; ``changes`` are fields of the event it records."""
    document: dict[str, Any] = {
        "application_id": APPLICATION_ID,
        "document_id": "0190f5a2-0000-7000-8000-0000000000d1",
        "kind": DocumentKind.COMMISSION_OPINION,
        "title": "VDEĀVK atzinums",
        "content_sha256": "a" * 64,
        "storage_ref": "s3://daugavpils-intake/opinion.pdf",
        "received_on": TODAY,
    }
    return domain.AddDocument(ApplicationDocumentAdded(**{**document, **changes}), TODAY)


def withdraw(**changes: Any) -> domain.WithdrawApplication:
    """A withdrawal today; ``changes`` are fields of the event it records."""
    withdrawal: dict[str, Any] = {
        "application_id": APPLICATION_ID,
        "withdrawn_on": TODAY,
        "reason": "moved away",
    }
    return domain.WithdrawApplication(ApplicationWithdrawn(**{**withdrawal, **changes}), TODAY)


def report(**changes: Any) -> domain.ReportCircumstances:
    """A planned hospital stay; ``changes`` are fields of the event it records."""
    change: dict[str, Any] = {
        "application_id": APPLICATION_ID,
        "report_id": "0190f5a2-0000-7000-8000-0000000000c1",
        "kind": ChangeKind.INPATIENT,
        "effective_from": date(2026, 12, 1),
        "effective_until": date(2026, 12, 14),
        "description": "planned surgery",
    }
    return domain.ReportCircumstances(CircumstancesReported(**{**change, **changes}), TODAY)
