"""The legal rules of the assistant service (rules.md), as pure, data-driven functions.

No I/O, no clock, no framework: only pydantic, the standard library, python-stdnum and
holidays. Every number lives in `shared.rules.tables`; every rule cites its rules.md section.
"""

from shared.rules.assess import assess
from shared.rules.dates import age_on
from shared.rules.deadlines import (
    decision_deadline,
    is_decision_overdue,
    is_working_day,
    next_working_day,
)
from shared.rules.entry_checks import (
    check_activities,
    check_approved_hours,
    check_days,
    check_end_after_start,
)
from shared.rules.errors import (
    FactError,
    InvalidPersonalCode,
    MissingFactError,
    MissingRateError,
    NoRuleSetError,
    PeriodError,
    RulesError,
)
from shared.rules.models import (
    ActivityClaim,
    ActivityGrant,
    Assessment,
    AssessmentRequest,
    NeedsAssessment,
    PurposeGrant,
)
from shared.rules.money import PaymentLine, compute_payment_line, to_cents
from shared.rules.periods import max_period_end, period_end_for
from shared.rules.personal_codes import (
    birth_date_from_personal_code,
    format_personal_code,
    normalize_personal_code,
)
from shared.rules.purposes import LV_2021_PURPOSE_HOURS, PurposeRow, purpose_row
from shared.rules.rates import administration_rate_cap, hourly_rate, tax_rates_on
from shared.rules.sum_checks import check_assistant_weekly_limit, check_grant_sums
from shared.rules.tables import (
    LV_2013,
    LV_2021,
    RULE_SETS,
    TAX_RATES,
    RuleSet,
    TaxRates,
    rule_set_for,
)
from shared.rules.timesheet_model import Finding, FindingCode, GrantWindow, TimeEntry
from shared.rules.timesheets import check_overlaps, check_timesheet
from shared.rules.vocabulary import (
    CHILDHOOD_PURPOSES,
    REFUSAL_SECTIONS,
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

__all__ = [
    "CHILDHOOD_PURPOSES",
    "LV_2013",
    "LV_2021",
    "LV_2021_PURPOSE_HOURS",
    "REFUSAL_SECTIONS",
    "RULE_SETS",
    "TAX_RATES",
    "ActivityClaim",
    "ActivityGrant",
    "ActivityKind",
    "AgeGroup",
    "Assessment",
    "AssessmentRequest",
    "FactError",
    "Finding",
    "FindingCode",
    "FunctionalLimitation",
    "GrantWindow",
    "InvalidPersonalCode",
    "MissingFactError",
    "MissingRateError",
    "NeedResult",
    "NeedsAssessment",
    "NoRuleSetError",
    "Opinion",
    "PaymentLine",
    "PeriodError",
    "PeriodKind",
    "Purpose",
    "PurposeGrant",
    "PurposeRow",
    "RefusalReason",
    "Residence",
    "RuleSet",
    "RuleSetId",
    "RulesError",
    "TaxRates",
    "TaxStatus",
    "TimeEntry",
    "Unit",
    "administration_rate_cap",
    "age_on",
    "assess",
    "birth_date_from_personal_code",
    "check_activities",
    "check_approved_hours",
    "check_assistant_weekly_limit",
    "check_days",
    "check_end_after_start",
    "check_grant_sums",
    "check_overlaps",
    "check_timesheet",
    "compute_payment_line",
    "decision_deadline",
    "format_personal_code",
    "hourly_rate",
    "is_decision_overdue",
    "is_working_day",
    "max_period_end",
    "next_working_day",
    "normalize_personal_code",
    "period_end_for",
    "purpose_row",
    "rule_set_for",
    "tax_rates_on",
    "to_cents",
]
