"""Benchmark of timesheets: the two figures of issue 10, printed (asserts nothing).

1. Checking one report of 60 entries against an assistant with 5 clients (rules.md §7.2,
   ``check_timesheet`` and the approval arithmetic), pure, median and 95th percentile.
2. Approving a national month of reports through the HTTP API and the bus: the service
   runs in this process on its own NATS and PostgreSQL (started under .local/bench, or
   those named by ASIST_NATS_URL / ASIST_DATABASE_URL); grants, assistants (5 clients
   each) and assignments arrive as decisions' events over JetStream; each report is
   drafted and submitted through the handlers, then approved with ``POST .../approve``
   (caseworker token, Idempotency-Key) by concurrent clients; the figure is approvals per
   second through the API, and until every ``TimesheetApproved`` is on the TIMESHEETS stream.

    .venv/bin/python -m bench.timesheets [--reports 15000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import time
import uuid
from collections.abc import Coroutine
from datetime import date
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
from pydantic import BaseModel

import shared.contracts  # noqa: F401  (registers every event type)
from deploy.stack import start_stack, stop_stack
from services.timesheets.app import create
from services.timesheets.domain.approval import approve_hours
from services.timesheets.domain.entries import EntryInput, hours_of
from services.timesheets.domain.report import SaveDraft, Submit
from services.timesheets.report.context import checks_for
from services.timesheets.report.handlers import Assignment, fixed, run
from shared.bus.provisioning import ensure_service_stream
from shared.contracts.decisions import (
    ActivityBreakdown,
    AssistantAssigned,
    AssistantRegistered,
    HoursGranted,
)
from shared.events.envelope import new_event_id
from shared.rules import (
    ActivityKind,
    AgeGroup,
    GrantWindow,
    RuleSetId,
    TaxStatus,
    TimeEntry,
    Unit,
    check_timesheet,
)
from shared.settings import Settings
from shared.store.db import database_dsn
from shared.store.eventstore import EventContext, EventStore

ROOT = Path(__file__).resolve().parents[1]
MONTH = "2026-11"
TODAY = date(2026, 12, 2)
MUNICIPALITIES = ("daugavpils", "ludza", "riga")
CLIENTS_PER_ASSISTANT = 5
DAYS = [date(2026, 11, d) for d in range(2, 28) if date(2026, 11, d).weekday() < 5]


def rate(count: int, seconds: float) -> str:
    return f"{count:>7} in {seconds:6.2f} s = {count / seconds:9,.0f} /s"


# ---- 1. one report, pure -----------------------------------------------------------------


def slot(client: int) -> tuple[clock_time, clock_time]:
    """Client j of an assistant is served 1 h 24 min from 07:00 + 1 h 30 min x j."""
    start = 7 * 60 + 90 * client
    return clock_time(start // 60, start % 60), clock_time((start + 84) // 60, (start + 84) % 60)


def bench_check(runs: int = 300) -> None:
    grants = [
        GrantWindow(f"K{j}", Unit.WEEK, Decimal(20), None, date(2026, 1, 1), date(2026, 12, 31))
        for j in range(CLIENTS_PER_ASSISTANT)
    ]
    days = (DAYS * 3)[:60]

    def entries_of(j: int) -> list[TimeEntry]:
        begin, end = slot(j)
        return [TimeEntry("A", f"K{j}", d, begin, end, "work") for d in sorted(days)]

    mine = entries_of(0)
    context = [e for j in range(1, CLIENTS_PER_ASSISTANT) for e in entries_of(j)]
    reported = [hours_of(e.seconds) for e in mine]
    timings, approvals = [], []
    for _ in range(runs):
        started = time.perf_counter()
        findings = check_timesheet(mine, grants, TODAY, context)
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        approve_hours(mine, reported, grants, TODAY, context, findings, {}, [])
        approvals.append(time.perf_counter() - started)

    def ms(values: list[float]) -> str:
        q95 = statistics.quantiles(values, n=20)[-1]
        return f"median {statistics.median(values) * 1000:6.2f} ms, p95 {q95 * 1000:6.2f} ms"

    print(f"check a report of 60 entries, assistant with 5 clients ({len(context)} other "
          f"entries): {ms(timings)}")  # fmt: skip
    print(f"approval arithmetic of the same report:                               {ms(approvals)}")


# ---- 2. a national month through the API and the bus ------------------------------------


def _granted(case_id: str, code: str) -> HoursGranted:
    return HoursGranted(
        case_id=case_id, application_id=case_id, decision_number=1,
        decided_on=date(2026, 10, 20), decided_late=False, personal_code=code,
        age_group=AgeGroup.ADULT, vision_group=False, rule_set=RuleSetId.LV_2021,
        legal_basis="bench", unit=Unit.WEEK, hours=Decimal(20), rules_hours=Decimal(20),
        need_hours=Decimal(20),
        breakdown=[ActivityBreakdown(kind=ActivityKind.WORK, claimed=Decimal(20),
                                     granted=Decimal(20))],
        period_start=date(2026, 11, 1), period_end=date(2027, 10, 31), trace=[],
    )  # fmt: skip


async def feed_decisions(nats_url: str, reports: int) -> list[Assignment]:
    """Publish grants, assistants and assignments as decisions' relay would."""
    store = EventStore("decisions")
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_service_stream(js, "decisions")
    assignments: list[Assignment] = []
    pending: list[Coroutine[Any, Any, object]] = []
    for n in range(reports):
        municipality = MUNICIPALITIES[n % len(MUNICIPALITIES)]
        assistant = f"asst-{municipality}-{n // CLIENTS_PER_ASSISTANT}"
        case_id, assignment_id = f"case-{n}", f"asg-{n}"
        context = EventContext(municipality, new_event_id())
        events: list[tuple[str, int, BaseModel]] = [
            (f"case-{case_id}", 1, _granted(case_id, f"3{n:010d}"))
        ]
        if n % CLIENTS_PER_ASSISTANT == 0:
            registered = AssistantRegistered(
                assistant_id=assistant, municipality=municipality, personal_code=f"4{n:010d}",
                first_name="A", last_name="B", iban="LV80BANK0000435195001",
                tax_status=TaxStatus.EMPLOYEE_LIKE, experience="x", registered_on=date(2026, 10, 1),
            )  # fmt: skip
            events.append((f"assistant-{assistant}", 1, registered))
        version = 2 + n % CLIENTS_PER_ASSISTANT
        assigned = AssistantAssigned(
            assistant_id=assistant, assignment_id=assignment_id, case_id=case_id,
            assigned_from=date(2026, 11, 1), weekly_hours=Decimal(7),
        )  # fmt: skip
        events.append((f"assistant-{assistant}", version, assigned))
        for stream_id, seq, data in events:
            envelope = store.envelope(stream_id, seq, data, context)
            pending.append(
                js.publish(
                    envelope.nats_subject, envelope.to_json(), headers={"Nats-Msg-Id": envelope.id}
                )
            )
        if len(pending) >= 500:
            await asyncio.gather(*pending)
            pending = []
        assignments.append(
            Assignment(assignment_id, assistant, case_id, municipality, date(2026, 11, 1), None)
        )
    await asyncio.gather(*pending)
    await nc.drain()
    return assignments


async def wait_for(pool: asyncpg.Pool, sql: str, count: int, what: str) -> None:
    deadline = time.monotonic() + 1800
    while (await pool.fetchval(sql)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def prepare(pool: asyncpg.Pool, store: EventStore, assignments: list[Assignment]) -> None:
    """Draft and submit every report through the handlers (the API's own code path)."""

    async def one(a: Assignment, n: int) -> None:
        begin, end = slot(n % CLIENTS_PER_ASSISTANT)
        entries = [EntryInput(d, begin, end, "work") for d in DAYS[:12]]
        report = a.report(MONTH)
        context = EventContext(a.municipality, new_event_id(), actor="bench")
        async with pool.acquire() as conn, conn.transaction():
            await run(conn, store, report, fixed(SaveDraft(report, entries, TODAY)), context)
            submit = Submit(TODAY, await checks_for(conn, report))
            await run(conn, store, report, fixed(submit), context)

    semaphore = asyncio.Semaphore(8)

    async def limited(a: Assignment, n: int) -> None:
        async with semaphore:
            await one(a, n)

    await asyncio.gather(*(limited(a, n) for n, a in enumerate(assignments)))


async def national_month(args: argparse.Namespace) -> None:
    logging.getLogger("faststream").setLevel(logging.WARNING)  # a line per message otherwise
    data_dir = ROOT / ".local" / "bench"
    named = os.environ.get("ASIST_NATS_URL") and os.environ.get("ASIST_DATABASE_URL")
    stack = None if named else start_stack(data_dir, nats_port=0, pg_port=0, nats_monitor_port=0)
    nats_url = stack.operator_url if stack else os.environ["ASIST_NATS_URL"]
    database_url = stack.database_url if stack else os.environ["ASIST_DATABASE_URL"]
    # Personal fields are sealed with the master key (issue #9): the stack's, or the one
    # named beside the servers the environment names.
    key = (stack.master_key if stack else None) or os.environ.get("ASIST_MASTER_KEY", "")
    try:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        for name in ("DECISIONS", "TIMESHEETS", "DEADLETTER"):
            with contextlib.suppress(Exception):  # absent on a first run
                await js.delete_stream(name)
        tokens = ",".join(f"bench-{m}=caseworker:{m}" for m in MUNICIPALITIES)
        settings = Settings(
            nats_url=nats_url, database_url=database_url, tokens=tokens, master_key=key,
            database_prefix=f"bench{uuid.uuid4().hex[:8]}", log_level="WARNING",
            relay_poll_seconds=0.1, consumer_batch_timeout_seconds=0.1,
        )  # fmt: skip
        app = create(settings)
        async with app.router.lifespan_context(app):
            runtime = app.state.runtime
            pool = await asyncpg.create_pool(
                database_dsn(database_url, settings.database_name("timesheets")), max_size=12
            )
            started = time.perf_counter()
            assignments = await feed_decisions(nats_url, args.reports)
            await wait_for(pool, "select count(*) from known_assignments", args.reports, "events")
            print(f"decisions' events consumed (grants, assistants, assignments): "
                  f"{rate(args.reports, time.perf_counter() - started)} assignments")  # fmt: skip
            started = time.perf_counter()
            await prepare(pool, runtime.store, assignments)
            print(f"drafted and submitted through the handlers:          "
                  f"{rate(args.reports, time.perf_counter() - started)}")  # fmt: skip
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                semaphore = asyncio.Semaphore(args.concurrency)

                async def approve(a: Assignment) -> None:
                    path = (
                        f"/municipalities/{a.municipality}/assignments/{a.assignment_id}"
                        f"/timesheets/{MONTH}/approve"
                    )
                    headers = {
                        "Authorization": f"Bearer bench-{a.municipality}",
                        "Idempotency-Key": str(uuid.uuid4()),
                    }
                    async with semaphore:
                        response = await http.post(path, json={}, headers=headers)
                    if response.status_code != 200:
                        raise RuntimeError(f"{path}: {response.status_code} {response.text}")

                started = time.perf_counter()
                await asyncio.gather(*(approve(a) for a in assignments))
                api_seconds = time.perf_counter() - started
                print(f"approved through the API ({args.concurrency} clients):       "
                      f"{rate(args.reports, api_seconds)}")  # fmt: skip
                await ensure_service_stream(js, "timesheets")
                deadline = time.monotonic() + 600
                while True:
                    info = await js.stream_info("TIMESHEETS")
                    if info.state.messages >= 3 * args.reports or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.1)
                bus_seconds = time.perf_counter() - started
                messages = info.state.messages
                print(f"approved and every event on the TIMESHEETS stream:   "
                      f"{rate(args.reports, bus_seconds)}  ({messages} messages)")  # fmt: skip
            await pool.close()
        await nc.drain()
    finally:
        if stack is not None:
            stop_stack(data_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=15000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--only-check", action="store_true", help="skip the national month")
    args = parser.parse_args()
    bench_check()
    if not args.only_check:
        asyncio.run(national_month(args))


if __name__ == "__main__":
    main()
