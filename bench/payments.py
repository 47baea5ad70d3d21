"""Benchmark: a national month close, from the first approval event to the last bank file.

43 municipalities, 15 000 clients, 12 000 assistants (3 000 of them serve two clients),
one approved time report per assignment. Assistants are registered first (not timed);
the clock starts with the first ``TimesheetApproved`` published on TIMESHEETS and stops
when the last ``PaymentBatchExported`` is on the PAYMENTS stream. In between, the payments
service (its own process, as deployed: real NATS and PostgreSQL) consumes the reports,
and two finance users per municipality open and approve the month's run over HTTP.

Prints figures; asserts nothing. Starts its own NATS and PostgreSQL under .local/bench.

    .venv/bin/python -m bench.payments [--clients 15000] [--assistants 12000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
import nats
from nats.js import JetStreamContext
from pydantic import BaseModel
from schwifty import IBAN

import shared.contracts  # noqa: F401  (registers every event type)
from deploy.services import start_services, stop_services
from deploy.stack import free_port, start_stack, stop_stack
from shared.bus.provisioning import ensure_service_stream
from shared.contracts.decisions import AssistantRegistered
from shared.contracts.timesheets import ApprovedDay, TimesheetApproved
from shared.events.envelope import new_event_id
from shared.municipalities import MUNICIPALITIES
from shared.rules import TaxStatus
from shared.settings import Settings
from shared.store.db import database_dsn
from shared.store.eventstore import EventContext, EventStore

ROOT = Path(__file__).resolve().parents[1]
MONTH = "2026-11"
SLUGS = sorted(MUNICIPALITIES)
DECISIONS, TIMESHEETS = EventStore("decisions"), EventStore("timesheets")


def iban(n: int) -> str:
    return str(IBAN.generate("LV", bank_code="HABA", account_code=f"{n:013d}").compact)


async def publish_all(
    js: JetStreamContext, store: EventStore, items: list[tuple[str, str, BaseModel]]
) -> None:
    """Publish as the upstream relay does, a few hundred acknowledgements in flight."""

    async def one(municipality: str, stream: str, data: BaseModel) -> None:
        context = EventContext(municipality=municipality, correlation_id=new_event_id())
        envelope = store.envelope(stream, 1, data, context)
        await js.publish(
            envelope.nats_subject, envelope.to_json(), headers={"Nats-Msg-Id": envelope.id}
        )

    for start in range(0, len(items), 500):
        await asyncio.gather(*(one(*item) for item in items[start : start + 500]))


async def wait_for(conn: asyncpg.Connection, sql: str, target: int) -> None:
    """Poll ``sql`` until it counts ``target`` (the service works in this process)."""
    for _ in range(10_000):
        if await conn.fetchval(sql) >= target:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{sql!r} did not reach {target}")


def report(assistant_id: str, case: int, rng_hours: int) -> TimesheetApproved:
    days = [
        ApprovedDay(
            day=date(2026, 11, 2) + timedelta(days=d),
            activity="work",
            hours=Decimal(2 + (rng_hours + d) % 5),
        )
        for d in range(0, 26, 2)
    ]
    total = sum((d.hours for d in days), Decimal(0))
    return TimesheetApproved(
        timesheet_id=str(uuid.uuid4()),
        assistant_id=assistant_id,
        case_id=f"case-{case}",
        assignment_id=f"assignment-{case}",
        month=MONTH,
        version=1,
        approved_on=date(2026, 12, 1),
        reported_hours=total,
        approved_hours=total,
        days=days,
    )


async def close_month(http: httpx.AsyncClient, slug: str) -> None:
    base = f"/municipalities/{slug}/payment-runs"
    opened = await http.post(
        base,
        json={"month": MONTH},
        headers={"Authorization": f"Bearer {slug}-1", "Idempotency-Key": str(uuid.uuid4())},
    )
    opened.raise_for_status()
    approved = await http.post(
        f"{base}/{opened.json()['run_id']}/approve",
        json={},
        headers={"Authorization": f"Bearer {slug}-2", "Idempotency-Key": str(uuid.uuid4())},
    )
    approved.raise_for_status()


async def run(args: argparse.Namespace) -> None:
    data_dir = ROOT / ".local" / "bench"
    stack = start_stack(data_dir, nats_port=0, pg_port=0, nats_monitor_port=0)
    try:
        nc = await nats.connect(stack.operator_url)
        js = nc.jetstream()
        for name in ("DECISIONS", "TIMESHEETS", "PAYMENTS", "DEADLETTER"):
            with contextlib.suppress(Exception):  # absent on a first run
                await js.delete_stream(name)
        for service in ("decisions", "timesheets"):
            await ensure_service_stream(js, service)
        tokens = ",".join(f"{s}-{n}=finance:{s}" for s in SLUGS for n in (1, 2))
        prefix = f"bench_{uuid.uuid4().hex[:8]}"
        os.environ |= {
            "ASIST_DATABASE_PREFIX": prefix,
            "ASIST_TOKENS": tokens,
            "ASIST_LOG_FORMAT": "json",
            "ASIST_LOG_LEVEL": "WARNING",
            "ASIST_CONSUMER_BATCH_SIZE": str(args.batch),
        }
        settings = Settings(database_url=stack.database_url, database_prefix=prefix)
        services_dir = data_dir / "services"
        [running] = start_services(
            stack, services_dir, ports={"payments": free_port()}, names=["payments"]
        )
        try:
            async with httpx.AsyncClient(base_url=running.url, timeout=600) as http:
                await close_the_month(args, js, http, settings)
        finally:
            stop_services(services_dir, ["payments"])
        await nc.drain()
    finally:
        stop_stack(data_dir)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the benchmark process: {peak_mib:.0f} MiB")


async def close_the_month(
    args: argparse.Namespace, js: JetStreamContext, http: httpx.AsyncClient, settings: Settings
) -> None:
    people = [
        (
            SLUGS[i % len(SLUGS)],
            f"assistant-{i}",
            AssistantRegistered(
                assistant_id=f"assistant-{i}",
                municipality=SLUGS[i % len(SLUGS)],
                personal_code=f"{10000000000 + i}",
                first_name="Vārds",
                last_name=f"Uzvārds{i}",
                iban=iban(i),
                tax_status=TaxStatus.SELF_EMPLOYED if i % 4 == 0 else TaxStatus.EMPLOYEE_LIKE,
                experience="bench",
                registered_on=date(2026, 1, 1),
                tax_book_held=i % 3 != 0,
            ),
        )
        for i in range(args.assistants)
    ]
    dsn = database_dsn(settings.database_url, settings.database_name("payments"))
    conn = await asyncpg.connect(dsn)
    try:
        await publish_all(js, DECISIONS, [(m, f"assistant-{a}", d) for m, a, d in people])
        await wait_for(conn, "select count(*) from assistants", args.assistants)
        reports = [
            (people[c % args.assistants][0], people[c % args.assistants][2], c)
            for c in range(args.clients)
        ]
        sheets = [(m, f"timesheet-{c}", report(data.assistant_id, c, c)) for m, data, c in reports]
        print(
            f"national month close: {len(SLUGS)} municipalities, {args.clients} clients, "
            f"{args.assistants} assistants, {len(sheets)} approved reports"
        )
        began = time.perf_counter()
        await publish_all(js, TIMESHEETS, [(m, s, d) for m, s, d in sheets])
        published = time.perf_counter()
        await wait_for(conn, "select count(*) from timesheets", len(sheets))
        consumed = time.perf_counter()
        limit = asyncio.Semaphore(args.parallel)

        async def one(slug: str) -> None:
            async with limit:
                await close_month(http, slug)

        await asyncio.gather(*(one(slug) for slug in SLUGS))
        approved = time.perf_counter()
        await wait_for(
            conn,
            "select count(*) from outbox o join events e using (position) where"
            " o.published_at is not null and e.event_type like '%PaymentBatchExported%'",
            len(SLUGS),
        )
        ended = time.perf_counter()
        appended = await conn.fetchval("select count(*) from events")
    finally:
        await conn.close()
    total = len(sheets) + appended
    print(f"  publish {len(sheets)} TimesheetApproved      {published - began:7.2f} s")
    print(f"  consumed by payments (all applied)      {consumed - began:7.2f} s")
    print(f"  {len(SLUGS)} runs opened and approved (4 eyes) {approved - consumed:7.2f} s")
    print(f"  last PaymentBatchExported on the bus    {ended - began:7.2f} s")
    print(
        f"events: {len(sheets)} consumed + {appended} recorded = {total} in "
        f"{ended - began:.2f} s = {total / (ended - began):,.0f} events/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=15000)
    parser.add_argument("--assistants", type=int, default=12000)
    parser.add_argument("--parallel", type=int, default=4, help="runs closed at once")
    parser.add_argument("--batch", type=int, default=500, help="consumer fetch size")
    args = parser.parse_args()
    # Every municipality closes its month: one with no approved report has nothing to pay
    # and its run is refused (409), which would stop the benchmark midway. Assistant i
    # works in municipality i mod 43 and client c is served by assistant c mod assistants.
    if not len(SLUGS) <= args.assistants <= args.clients:
        parser.error(
            f"--assistants must be at least {len(SLUGS)} (one per municipality) and at most"
            " --clients"
        )
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
