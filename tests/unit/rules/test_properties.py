"""Properties that hold for every input (hypothesis): rules.md §4.1–4.3, §5.4, §7.2."""

from datetime import date, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.rules import (
    ActivityClaim,
    ActivityKind,
    AssessmentRequest,
    FunctionalLimitation,
    GrantWindow,
    NeedResult,
    NeedsAssessment,
    Purpose,
    TimeEntry,
    Unit,
    assess,
    check_grant_sums,
    compute_payment_line,
    decision_deadline,
    is_working_day,
)

hours = st.decimals(min_value=0, max_value=80, places=1)
claim_lists = st.lists(
    st.builds(ActivityClaim, kind=st.sampled_from(list(ActivityKind)), hours_per_week=hours),
    max_size=8,
)
requests = st.builds(
    AssessmentRequest,
    period_start=st.dates(date(2013, 1, 1), date(2030, 12, 31)),
    birth_date=st.dates(date(1930, 1, 1), date(2030, 12, 31)),
    disability_group=st.sampled_from([1, 2, 3, None]),
    vision_disability=st.booleans(),
    opinion=st.sampled_from(["assistant_needed", "special_care", None]),
    receives_vision_benefit=st.booleans(),
    residence=st.sampled_from(["home", "home", "home", "inpatient"]),
    activities=claim_lists,
    weekly_medical_procedures=st.booleans(),
    # rules.md §2, §3.1, §4.2a: the decision date and the LV-2021 adult facts.
    decided_on=st.one_of(st.none(), st.dates(date(2013, 1, 1), date(2030, 12, 31))),
    functional_limitations=st.frozensets(st.sampled_from(list(FunctionalLimitation))),
    car_adaptation_indications=st.booleans(),
    needs_assessment=st.builds(
        NeedsAssessment,
        result=st.sampled_from(list(NeedResult)),
        assessor=st.just("Inga Vanaga"),
        assessed_on=st.just(date(2013, 1, 1)),
    ),
    purposes=st.frozensets(st.sampled_from(list(Purpose))),
    group1_since_childhood_special_care=st.booleans(),
    dialysis_or_stage_iv_cancer_therapy=st.booleans(),
).filter(
    # rules.md §2: an LV-2013 decision cannot grant a period after 31.12.2021 (PeriodError,
    # tested in test_rule_sets.py); every other input has an answer.
    lambda r: not (r.decision_date <= date(2021, 6, 30) and r.period_start > date(2021, 12, 31))
)


@settings(max_examples=300)
@given(requests)
def test_paid_hours_never_exceed_forty_a_week_or_the_months_of_the_tables(
    request: AssessmentRequest,
) -> None:
    result = assess(request)
    # rules.md §4.1 (40 h/week), §4.3 (children 100 h/month), §4.2a (adults 160 h/month)
    monthly = Decimal(160) if result.age_group == "adult" else Decimal(100)
    limit = Decimal(40) if result.unit == "week" else monthly
    assert 0 <= result.paid_hours <= result.need_hours <= limit
    if not result.eligible:
        assert result.paid_hours == 0 and result.refusal_reasons
    else:
        assert result.paid_hours > 0 and result.refusal_reasons == []
        assert result.max_period_end is not None
        assert result.max_period_end >= request.period_start


@given(requests)
def test_breakdown_adds_up_to_the_need_and_never_grants_more_than_claimed(
    request: AssessmentRequest,
) -> None:
    result = assess(request)
    if result.breakdown:
        assert sum(g.granted for g in result.breakdown) == result.need_hours
    assert all(0 <= g.granted <= g.claimed for g in result.breakdown)


@settings(max_examples=300)
@given(requests, st.integers(0, 7), hours)
def test_more_claimed_hours_never_lower_the_grant(
    request: AssessmentRequest, index: int, more: Decimal
) -> None:
    before = assess(request)
    activities = list(request.activities)
    if activities:
        claim = activities[index % len(activities)]
        activities[index % len(activities)] = ActivityClaim(claim.kind, claim.hours_per_week + more)
    else:
        activities = [ActivityClaim(list(ActivityKind)[index % 7], more)]
    after = assess(request.model_copy(update={"activities": activities}))
    assert after.need_hours >= before.need_hours
    assert after.paid_hours >= before.paid_hours


@given(requests)
def test_the_vision_rule_never_raises_hours(request: AssessmentRequest) -> None:
    without = assess(request.model_copy(update={"receives_vision_benefit": False}))
    with_benefit = assess(request.model_copy(update={"receives_vision_benefit": True}))
    assert with_benefit.paid_hours <= without.paid_hours
    assert with_benefit.need_hours == without.need_hours


@settings(max_examples=500, deadline=None)  # the first call builds a holiday table
@given(st.dates(date(2013, 1, 1), date(2026, 12, 31)))
def test_deadline_is_always_a_working_day_after_the_receipt(received: date) -> None:
    deadline = decision_deadline(received)
    assert deadline > received
    assert is_working_day(deadline)
    assert deadline.weekday() < 5
    # At least the month, and never more than the longest Latvian run of days off (+ weekend).
    assert deadline - received >= timedelta(days=28)
    assert deadline - received <= timedelta(days=31 + 6)


@given(
    st.decimals(min_value=0, max_value=400, places=2), st.dates(date(2021, 7, 1), date(2030, 1, 1))
)
def test_payment_line_adds_up_to_the_state_amount(worked: Decimal, on: date) -> None:
    line = compute_payment_line(worked, on, "employee_like")
    assert line.gross + line.employer_contribution == line.total_cost
    assert line.net + line.employee_contribution + line.income_tax == line.gross
    assert line.net <= line.gross <= line.total_cost
    assert all(v.as_tuple().exponent == -2 for v in (line.gross, line.net, line.total_cost))


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 23), st.integers(1, 4)), max_size=12))
def test_weekly_sum_flag_agrees_with_the_hours_worked(spans: list[tuple[int, int, int]]) -> None:
    grant = GrantWindow("K", Unit.WEEK, Decimal(20), None, date(2024, 4, 1), date(2024, 4, 7))
    entries = [
        TimeEntry(
            "A", "K", date(2024, 4, 1) + timedelta(days=d), time(h), time(min(h + n, 23)), "x"
        )
        for d, h, n in spans
    ]
    total = sum(e.hours for e in entries)
    assert bool(check_grant_sums(entries, [grant])) == (total > 20)
