"""Events of every producing service, as the reporting service receives them (no servers).

Personal data in these builders is deliberate: the privacy tests look for it afterwards.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from shared.contracts import decisions as dc
from shared.contracts import intake as ic
from shared.contracts import payments as pc
from shared.contracts import timesheets as tc
from shared.rules.vocabulary import (
    ActivityKind,
    AgeGroup,
    RefusalReason,
    RuleSetId,
    TaxStatus,
    Unit,
)

PERSON_CODE = "12038512342"
FIRST_NAME, LAST_NAME = "Jānis", "Bērziņš"
IBAN = "LV80BANK0000435195001"


def new_id() -> str:
    return str(uuid.uuid4())


def submitted(application_id: str, received_on: date, **changes: Any) -> ic.ApplicationSubmitted:
    fields: dict[str, Any] = {
        "application_id": application_id,
        "received_on": received_on,
        "channel": ic.Channel.IN_PERSON,
        "applicant": ic.Person(
            personal_code=PERSON_CODE,
            first_name=FIRST_NAME,
            last_name=LAST_NAME,
            birth_date=date(1985, 3, 12),
            declared_address="Rīgas iela 1, Daugavpils",
            phone="+371 20000000",
        ),
        "activities": [ic.ActivityRequest(kind="work", hours_per_week=Decimal(20))],
    }
    return ic.ApplicationSubmitted(**(fields | changes))


def opened(case_id: str, received_on: date) -> dc.CaseOpened:
    return dc.CaseOpened(
        case_id=case_id,
        application_id=case_id,
        municipality="daugavpils",
        received_on=received_on,
        decision_deadline=received_on,
        client=dc.ClientData(
            personal_code=PERSON_CODE,
            first_name=FIRST_NAME,
            last_name=LAST_NAME,
            birth_date=date(1985, 3, 12),
        ),
    )


def granted(
    case_id: str,
    *,
    decided_on: date,
    start: date,
    end: date,
    hours: str = "27",
    unit: Unit = Unit.WEEK,
    age_group: AgeGroup = AgeGroup.ADULT,
    vision: bool = False,
    late: bool = False,
    number: int = 1,
) -> dc.HoursGranted:
    return dc.HoursGranted(
        case_id=case_id,
        application_id=case_id,
        decision_number=number,
        decided_on=decided_on,
        decided_late=late,
        personal_code=PERSON_CODE,
        age_group=age_group,
        vision_group=vision,
        rule_set=RuleSetId.LV_2021,
        legal_basis="MK 316",
        unit=unit,
        hours=Decimal(hours),
        rules_hours=Decimal(hours),
        need_hours=Decimal(hours),
        breakdown=[
            dc.ActivityBreakdown(
                kind=ActivityKind.WORK, claimed=Decimal(hours), granted=Decimal(hours)
            )
        ],
        period_start=start,
        period_end=end,
        trace=["rules.md §4.1"],
    )


def refused(
    case_id: str, *, decided_on: date, reasons: list[RefusalReason], late: bool = False
) -> dc.ApplicationRefused:
    return dc.ApplicationRefused(
        case_id=case_id,
        application_id=case_id,
        decision_number=1,
        decided_on=decided_on,
        decided_late=late,
        rule_set=RuleSetId.LV_2021,
        legal_basis="MK 316",
        reasons=reasons,
        reason_sections={r.value: "rules.md §3.4" for r in reasons},
        trace=["rules.md §3.4"],
    )


def suspended(case_id: str, number: int, day: date) -> dc.ServiceSuspended:
    return dc.ServiceSuspended(
        case_id=case_id,
        decision_number=number,
        decided_on=day,
        reason=dc.SuspensionReason.INPATIENT,
        suspended_from=day,
        note=f"{FIRST_NAME} in hospital",
    )


def resumed(case_id: str, number: int, day: date) -> dc.ServiceResumed:
    return dc.ServiceResumed(
        case_id=case_id, decision_number=number, decided_on=day, resumed_on=day
    )


def terminated(case_id: str, number: int, day: date) -> dc.ServiceTerminated:
    return dc.ServiceTerminated(
        case_id=case_id,
        decision_number=number,
        decided_on=day,
        reason=dc.TerminationReason.MOVED,
        terminated_from=day,
    )


def amended(case_id: str, number: int, day: date, end: date, hours: str) -> dc.GrantAmended:
    return dc.GrantAmended(
        case_id=case_id,
        decision_number=number,
        decided_on=day,
        effective_from=day,
        period_end=end,
        reason="more work hours",
        rule_set=RuleSetId.LV_2021,
        legal_basis="MK 316",
        unit=Unit.WEEK,
        hours=Decimal(hours),
        rules_hours=Decimal(hours),
        need_hours=Decimal(hours),
        breakdown=[],
        trace=[],
    )


def closed(case_id: str, day: date) -> dc.CaseClosed:
    return dc.CaseClosed(case_id=case_id, reason=dc.CloseReason.WITHDRAWN, closed_on=day)


def assistant_registered(assistant_id: str) -> dc.AssistantRegistered:
    return dc.AssistantRegistered(
        assistant_id=assistant_id,
        municipality="daugavpils",
        personal_code="06068012345",
        first_name="Dace",
        last_name="Egle",
        iban=IBAN,
        tax_status=TaxStatus.EMPLOYEE_LIKE,
        experience="day centre",
        registered_on=date(2026, 11, 20),
    )


def approved_days(month: str, hours_per_day: list[str]) -> list[tc.ApprovedDay]:
    year, number = (int(p) for p in month.split("-"))
    return [
        tc.ApprovedDay(day=date(year, number, i + 1), activity="work", hours=Decimal(h))
        for i, h in enumerate(hours_per_day)
    ]


def timesheet_submitted(
    timesheet_id: str, assistant_id: str, case_id: str, month: str, hours: str, version: int = 1
) -> tc.TimesheetSubmitted:
    return tc.TimesheetSubmitted(
        timesheet_id=timesheet_id,
        assistant_id=assistant_id,
        case_id=case_id,
        assignment_id=timesheet_id,
        month=month,
        version=version,
        submitted_on=date(2026, 12, 2),
        entries=[],
        reported_hours=Decimal(hours),
        findings=[],
    )


def timesheet_approved(
    timesheet_id: str, assistant_id: str, case_id: str, month: str, days: list[tc.ApprovedDay]
) -> tc.TimesheetApproved:
    total = sum((d.hours for d in days), Decimal(0))
    return tc.TimesheetApproved(
        timesheet_id=timesheet_id,
        assistant_id=assistant_id,
        case_id=case_id,
        assignment_id=timesheet_id,
        month=month,
        version=1,
        approved_on=date(2026, 12, 3),
        reported_hours=total,
        approved_hours=total,
        days=days,
    )


def timesheet_corrected(
    timesheet_id: str,
    assistant_id: str,
    case_id: str,
    month: str,
    days: list[tc.ApprovedDay],
    version: int = 2,
) -> tc.TimesheetCorrected:
    total = sum((d.hours for d in days), Decimal(0))
    return tc.TimesheetCorrected(
        timesheet_id=timesheet_id,
        assistant_id=assistant_id,
        case_id=case_id,
        assignment_id=timesheet_id,
        month=month,
        version=version,
        corrected_on=date(2026, 12, 10),
        approved_hours=total,
        days=days,
        difference_hours=Decimal(0),
        difference=[],
    )


def money(total: str) -> pc.Money:
    """The parts of a payment of ``total`` state money (rules.md §8.2: 23.59 % on top)."""
    whole = Decimal(total)
    gross = (whole / Decimal("1.2359")).quantize(Decimal("0.01"))
    employer = whole - gross
    return pc.Money(
        gross=gross,
        employer_contribution=employer,
        employee_contribution=Decimal("0"),
        income_tax=Decimal("0"),
        net=gross,
        total_cost=whole,
    )


def payment_issued(
    assistant_id: str,
    month: str,
    hours: str,
    total: str,
    lines: int = 1,
    case_id: str | None = None,
) -> pc.PaymentIssued:
    run_id = new_id()
    return pc.PaymentIssued(
        payment_id=new_id(),
        run_id=run_id,
        assistant_id=assistant_id,
        month=month,
        tax_status="employee_like",
        hours=Decimal(hours),
        money=money(total),
        lines=[
            pc.PaymentLine(
                case_id=case_id or new_id(),
                timesheet_id=new_id(),
                rate_from=date(2023, 4, 1),
                hourly_amount=Decimal("5.11"),
                hours=Decimal(hours) / lines,
                money=money(total),
            )
            for _ in range(lines)
        ],
    )


def run_approved(month: str, administration: str) -> pc.PaymentRunApproved:
    totals = pc.RunTotals(
        assistants=1,
        payments=1,
        hours=Decimal(0),
        money=money("0"),
        administration_amount=Decimal(administration),
    )
    return pc.PaymentRunApproved(
        run_id=new_id(),
        month=month,
        kind="regular",
        approved_on=date(2026, 12, 5),
        approved_by="finance:daugavpils:abc",
        totals=totals,
    )


def report(month: str, submitted_on: date, **figures: Any) -> pc.MonthlyReportSubmitted:
    base: dict[str, Any] = {
        "clients_served_adults": 0,
        "clients_served_children": 0,
        "clients_served_vision": 0,
        "assistants_paid": 0,
        "hours_granted": Decimal(0),
        "hours_approved": Decimal(0),
        "hours_paid": Decimal(0),
        "gross": Decimal(0),
        "employer_contributions": Decimal(0),
        "total": Decimal(0),
        "administration_amount": Decimal(0),
        "applications_received": 0,
        "applications_granted": 0,
        "applications_refused": 0,
        "applications_decided_late": 0,
    }
    return pc.MonthlyReportSubmitted(
        report_id=new_id(),
        month=month,
        submitted_on=submitted_on,
        submitted_by="finance:daugavpils:abc",
        figures=pc.MonthlyFigures(**(base | figures)),
    )
