"""What timesheets learns from decisions' events of every municipality, and what follows:
the 40 h/week across municipalities, suspensions and amendments in the checks, a duplicate
delivery, the overdue check, and a rebuild equal to the live read models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from services.timesheets import rebuild
from shared.contracts.decisions import (
    ActivityBreakdown,
    GrantAmended,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
    SuspensionReason,
    TerminationReason,
)
from shared.rules import ActivityKind, RuleSetId, Unit
from shared.settings import Settings
from tests.conftest import Servers, ServiceFactory, auth
from tests.integration.test_decisions_support import eventually
from tests.integration.test_timesheets_support import (
    PERSON,
    assigned,
    entry,
    envelope_of,
    granted,
    headers,
    publish,
    report_url,
    settings_for,
    setup_assignment,
    start_timesheets,
    timesheets_db,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


@pytest.fixture
def settings(stack: Servers) -> Settings:
    return settings_for(stack)


@pytest.fixture
async def timesheets(
    clean_bus: None,
    start_service: ServiceFactory,
    js: JetStreamContext,
    monkeypatch: pytest.MonkeyPatch,
) -> httpx.AsyncClient:
    # The tests run the due-day check themselves, on dates of their choosing.
    monkeypatch.setenv("ASIST_TIMESHEETS_OVERDUE_WATCH", "false")
    return await start_timesheets(start_service, js)


@pytest.fixture
async def db(
    settings: Settings, timesheets: httpx.AsyncClient
) -> AsyncIterator[asyncpg.Connection]:
    async with timesheets_db(settings) as conn:
        yield conn


async def submit(client: httpx.AsyncClient, url: str, token: str, entries: list[dict]) -> dict:  # type: ignore[type-arg]
    saved = await client.put(url, json={"entries": entries}, headers=headers(token))
    assert saved.status_code == 200, saved.text
    submitted = await client.post(f"{url}/submit", headers=headers(token))
    assert submitted.status_code == 200, submitted.text
    return dict(submitted.json())


async def test_forty_hours_a_week_across_daugavpils_and_ludza(
    timesheets: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    # One person, registered as assistant D1 in Daugavpils and L1 in Ludza (rules.md §6.1).
    await setup_assignment(
        js, db, assistant_id="D1", assignment_id="asg-D1", case_id="case-D",
        assistant_code=PERSON, grant=granted("case-D", hours=30, code="01017012345"),
    )  # fmt: skip
    await setup_assignment(
        js, db, assistant_id="L1", assignment_id="asg-L1", case_id="case-L",
        municipality="ludza", assistant_code=PERSON,
        grant=granted("case-L", hours=30, code="02027012345"),
    )  # fmt: skip
    week = [entry(d, "08:00", "13:00") for d in (2, 3, 4, 5, 6)]  # 25 h in 2026-W45
    dgp = await submit(timesheets, report_url("daugavpils", "asg-D1"), "asst-person", week)
    assert dgp["findings"] == []
    ludza_week = [entry(d, "14:00", "18:00") for d in (2, 3, 4, 5)]  # 16 h: 41 h in all
    ludza_url = report_url("ludza", "asg-L1")
    ludza = await submit(timesheets, ludza_url, "asst-person", ludza_week)
    assert [f["code"] for f in ludza["findings"]] == ["ASSISTANT_WEEKLY_LIMIT_EXCEEDED"]
    assert "41.00 h" in ludza["findings"][0]["detail"]
    assert PERSON not in str(ludza), "personal codes never reach reports or events"

    approved = await timesheets.post(
        f"{ludza_url}/approve", json={}, headers=headers("ludza-caseworker")
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_hours"] == "15", "only what fits under 40 h"
    mine = await timesheets.get(
        "/municipalities/ludza/assistants/L1/timesheets/2026-11?today=2026-11-04",
        headers=auth("asst-person"),
    )
    assert mine.status_code == 200, mine.text
    assert {c["municipality"] for c in mine.json()["clients"]} == {"daugavpils", "ludza"}
    assert mine.json()["week"]["reported_hours"] == "41"
    assert mine.json()["week"]["hours_left"] == "0"


async def test_a_week_across_the_month_end_counts_the_october_report(
    timesheets: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    october_grant = granted("case-K", start=date(2026, 10, 1))
    await setup_assignment(
        js, db, assistant_id="A", assignment_id="asg-A-K", case_id="case-K",
        grant=october_grant, assigned_from=date(2026, 10, 1),
    )  # fmt: skip
    # 2026-W44: Monday 26 October .. Sunday 1 November; 18 h in October's report.
    october = [
        {"day": f"2026-10-{d}", "start": "08:00", "end": "14:00", "activity": "work"}
        for d in (26, 27, 28)
    ]
    await submit(timesheets, report_url("daugavpils", "asg-A-K", "2026-10"), "asst-a", october)
    november = await submit(
        timesheets, report_url("daugavpils", "asg-A-K"), "asst-a", [entry(1, "08:00", "11:00")]
    )
    assert [(f["code"], f["day"]) for f in november["findings"]] == [
        ("WEEKLY_GRANT_EXCEEDED", "2026-10-26")
    ]
    approved = await timesheets.post(
        f"{report_url('daugavpils', 'asg-A-K')}/approve", json={}, headers=headers("dgp-caseworker")
    )
    assert approved.json()["approved_hours"] == "2", "20 h in the week, 18 in October"


async def test_suspension_termination_and_amendment_reach_the_checks(
    timesheets: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    await setup_assignment(
        js, db, assistant_id="A", assignment_id="asg-A-K", case_id="case-K",
        grant=granted("case-K", hours=10),
    )  # fmt: skip
    breakdown = [
        ActivityBreakdown(kind=ActivityKind.WORK, claimed=Decimal(20), granted=Decimal(20))
    ]
    amended = GrantAmended(
        case_id="case-K", decision_number=2, decided_on=date(2026, 11, 10),
        effective_from=date(2026, 11, 11), period_end=date(2027, 10, 31), reason="new job",
        rule_set=RuleSetId.LV_2013, legal_basis="t", unit=Unit.WEEK, hours=Decimal(20),
        rules_hours=Decimal(20), need_hours=Decimal(20), breakdown=breakdown, trace=[],
    )  # fmt: skip
    stream = "case-case-K"
    for version, event in enumerate(
        [
            amended,
            ServiceSuspended(
                case_id="case-K",
                decision_number=3,
                decided_on=date(2026, 11, 16),
                reason=SuspensionReason.INPATIENT,
                suspended_from=date(2026, 11, 16),
            ),
            ServiceResumed(
                case_id="case-K",
                decision_number=4,
                decided_on=date(2026, 11, 20),
                resumed_on=date(2026, 11, 20),
            ),
            ServiceTerminated(
                case_id="case-K",
                decision_number=5,
                decided_on=date(2026, 11, 25),
                reason=TerminationReason.WITHDRAWAL,
                terminated_from=date(2026, 11, 28),
            ),
        ],
        start=2,
    ):
        await publish(js, envelope_of(event, stream, version=version))

    async def terminated() -> bool:
        found = await db.fetchval(
            "select terminated_from from grant_cases where case_id = 'case-K'"
        )
        return found is not None

    await eventually(terminated)
    entries = [
        entry(9, "08:00", "14:00"),  # Mon, week 46: 6 h
        entry(11, "08:00", "14:00"),  # Wed, amended from here to 20 h/week: 12 h in all
        entry(13, "08:00", "17:00", "institutions"),  # 21 h by Friday, and not granted now
        entry(15, "08:00", "09:00"),  # Sunday before the stay: fine
        entry(16, "08:00", "09:00"),  # first day of the hospital stay
        entry(19, "08:00", "09:00"),  # last day of the stay
        entry(20, "08:00", "09:00"),  # resumed
        entry(28, "08:00", "09:00"),  # after the termination
    ]
    report = await submit(timesheets, report_url("daugavpils", "asg-A-K"), "asst-a", entries)
    found = [(f["code"], f["day"]) for f in report["findings"]]
    assert found == [
        ("WEEKLY_GRANT_EXCEEDED", "2026-11-09"),
        ("ACTIVITY_NOT_GRANTED", "2026-11-13"),
        ("IN_SUSPENSION", "2026-11-16"),
        ("IN_SUSPENSION", "2026-11-19"),
        ("AFTER_TERMINATION", "2026-11-28"),
    ]


async def test_a_duplicate_assistant_assigned_changes_nothing(
    timesheets: httpx.AsyncClient, js: JetStreamContext, db: asyncpg.Connection
) -> None:
    await setup_assignment(
        js, db, assistant_id="A", assignment_id="asg-A-K", case_id="case-K", grant=granted("case-K")
    )
    before = await db.fetch("select * from known_assignments order by assignment_id")
    again = envelope_of(assigned("A", "asg-A-K", "case-K"), "a-A", version=2)
    await publish(js, again, msg_id="redelivery-1")  # the same event id, past JetStream's dedup
    await publish(js, again, msg_id="redelivery-2")
    other_id = envelope_of(assigned("A", "asg-A-K", "case-K"), "a-A", version=2)
    await publish(js, other_id)  # the same fact under a new event id
    marker = envelope_of(assigned("A", "asg-marker", "case-K"), "a-A", version=3)
    await publish(js, marker)

    async def marker_seen() -> bool:
        found = await db.fetchval(
            "select true from known_assignments where assignment_id = 'asg-marker'"
        )
        return bool(found)

    await eventually(marker_seen)
    after = await db.fetch(
        "select * from known_assignments where assignment_id <> 'asg-marker' order by assignment_id"
    )
    assert after == before
    handled = await db.fetchval(
        "select count(*) from processed_events where event_id = $1::uuid", again.id
    )
    assert handled == 1


async def test_overdue_once_per_report_and_rebuild_equals_live(
    timesheets: httpx.AsyncClient,
    js: JetStreamContext,
    db: asyncpg.Connection,
    settings: Settings,
) -> None:
    await setup_assignment(
        js, db, assistant_id="A", assignment_id="asg-A-K", case_id="case-K", grant=granted("case-K")
    )
    await setup_assignment(
        js, db, assistant_id="B", assignment_id="asg-B-M", case_id="case-M",
        grant=granted("case-M", code="03038012345"),
    )  # fmt: skip
    await submit(
        timesheets, report_url("daugavpils", "asg-A-K"), "asst-a", [entry(3, "08:00", "12:00")]
    )
    listing = "/municipalities/daugavpils/timesheets?month=2026-11"
    before = await timesheets.get(listing, headers=auth("dgp-caseworker"))
    assert before.json()["counts"] == {"submitted": 1, "missing": 1}
    missing = await timesheets.get(f"{listing}&status=missing", headers=auth("dgp-caseworker"))
    assert [i["assignment_id"] for i in missing.json()["items"]] == ["asg-B-M"]
    check = "/municipalities/daugavpils/timesheets/overdue-check"
    early = await timesheets.post(
        check, json={"today": "2026-12-05"}, headers=headers("dgp-caseworker")
    )
    assert early.json()["marked"] == [], "due on the 5th: not yet overdue"
    late = await timesheets.post(
        check, json={"today": "2026-12-06"}, headers=headers("dgp-caseworker")
    )
    assert len(late.json()["marked"]) == 1, "only B's November (A submitted)"
    again = await timesheets.post(
        check, json={"today": "2026-12-07"}, headers=headers("dgp-caseworker")
    )
    assert again.json()["marked"] == []
    listed = await timesheets.get(
        "/municipalities/daugavpils/timesheets?month=2026-11", headers=auth("dgp-caseworker")
    )
    assert listed.json()["counts"] == {"submitted": 1, "overdue": 1}
    overdue = await db.fetch("select event_type from events where event_type like '%Overdue%'")
    assert len(overdue) == 1

    tables = ("reports", "report_entries", "report_history")
    live = {t: await db.fetch(f"select * from {t} order by 1, 2") for t in tables}
    replayed = await rebuild.run(settings)
    assert replayed == await db.fetchval("select count(*) from events")
    rebuilt = {t: await db.fetch(f"select * from {t} order by 1, 2") for t in tables}
    assert rebuilt == live
    assert live["reports"] and live["report_history"]
