"""Benchmark of the reporting consumer on a national month (43 municipalities).

Prints figures; asserts nothing. Starts its own NATS and PostgreSQL under
.local/bench-reporting (or reuses those named by ASIST_NATS_URL / ASIST_DATABASE_URL).

1. A month of the whole country is published on the four producing streams: per
   municipality ``--clients`` applications, cases and grants, the assistants' time reports
   submitted and approved, their payments, the payment run and (for all but the last
   municipality) the monthly report.
2. The reporting service starts (in this process, with its real consumers) and applies the
   whole month: events/s from ready to nothing pending.
3. The last ``MonthlyReportSubmitted`` is published ``--reports`` times (one municipality
   each): the time until its reconciliation is visible through the API.

    .venv/bin/python -m bench.reporting [--clients 40] [--reports 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
import uuid
from datetime import date
from pathlib import Path

import httpx
import nats
from nats.js import JetStreamContext

import shared.contracts  # noqa: F401  (registers every event type)
from deploy.stack import start_stack, stop_stack
from services.reporting.app import create
from shared.bus.provisioning import ensure_service_stream
from shared.events.envelope import Envelope, new_event_id
from shared.events.registry import registry
from shared.municipalities import MUNICIPALITIES
from shared.rules.vocabulary import AgeGroup, Unit
from shared.settings import Settings
from shared.store.eventstore import EventContext, EventStore
from tests.unit.reporting import builders as b

ROOT = Path(__file__).resolve().parents[1]
MONTH = "2026-11"
COUNTRY = 43  # municipalities of Latvia since the 2021 reform
TOKEN = "bench-ministry"


def slugs() -> list[str]:
    """The registry's municipalities, padded with made-up slugs up to 43."""
    known = sorted(MUNICIPALITIES)[:COUNTRY]
    return known + [f"bench-{i:02d}" for i in range(COUNTRY - len(known))]


def envelope(data: object, municipality: str) -> Envelope:
    assert hasattr(data, "model_dump")
    service = registry.spec_of(type(data)).service  # type: ignore[arg-type]
    context = EventContext(municipality=municipality, correlation_id=new_event_id())
    return EventStore(service).envelope("bench", 1, data, context)  # type: ignore[arg-type]


def month_of(municipality: str, clients: int) -> list[Envelope]:
    events: list[Envelope] = []
    for n in range(clients):
        case, assistant, sheet = b.new_id(), b.new_id(), b.new_id()
        child = n % 5 == 0
        days = b.approved_days(MONTH, ["6"] * 10)  # 60 h × 5.11 = 306.60
        events += [
            envelope(b.submitted(case, date(2026, 10, 1 + n % 28)), municipality),
            envelope(b.opened(case, date(2026, 10, 1 + n % 28)), municipality),
            envelope(
                b.granted(
                    case, decided_on=date(2026, 10, 29), start=date(2026, 11, 1),
                    end=date(2027, 10, 31), hours="100" if child else "20",
                    unit=Unit.MONTH if child else Unit.WEEK,
                    age_group=AgeGroup.CHILD if child else AgeGroup.ADULT,
                ),
                municipality,
            ),
            envelope(b.timesheet_submitted(sheet, assistant, case, MONTH, "60"), municipality),
            envelope(b.timesheet_approved(sheet, assistant, case, MONTH, days), municipality),
            envelope(
                b.payment_issued(assistant, MONTH, "60", "306.60", case_id=case), municipality
            ),
        ]  # fmt: skip
    events.append(envelope(b.run_approved(MONTH, f"{clients * 60 * 0.26:.2f}"), municipality))
    return events


def report(municipality: str, clients: int) -> Envelope:
    return envelope(
        b.report(MONTH, date(2026, 12, 10), applications_received=0, assistants_paid=clients),
        municipality,
    )


async def publish(js: JetStreamContext, events: list[Envelope]) -> None:
    for start in range(0, len(events), 500):
        chunk = events[start : start + 500]
        await asyncio.gather(
            *(js.publish(e.nats_subject, e.to_json(), headers={"Nats-Msg-Id": e.id}) for e in chunk)
        )


async def caught_up(http: httpx.AsyncClient) -> None:
    while True:
        reply = await http.get("/national/status")
        if reply.status_code == 200 and reply.json()["caught_up"]:
            return
        await asyncio.sleep(0.05)


async def reconciled(http: httpx.AsyncClient, municipality: str) -> None:
    params = {"month": MONTH, "only_differences": "false"}
    while True:
        items = (await http.get("/national/reconciliation", params=params)).json()["items"]
        if any(item["municipality"] == municipality for item in items):
            return
        await asyncio.sleep(0.01)


async def run(args: argparse.Namespace) -> None:
    data_dir = ROOT / ".local" / "bench-reporting"
    stack = start_stack(data_dir, nats_port=0, pg_port=0, nats_monitor_port=0)
    try:
        nc = await nats.connect(stack.operator_url)
        js = nc.jetstream()
        for name in ("INTAKE", "DECISIONS", "TIMESHEETS", "PAYMENTS", "DEADLETTER"):
            with contextlib.suppress(Exception):  # absent on a first run
                await js.delete_stream(name)
        for service in ("intake", "decisions", "timesheets", "payments"):
            await ensure_service_stream(js, service)
        places = slugs()
        held_back = places[-args.reports :]
        events = [e for m in places for e in month_of(m, args.clients)]
        events += [report(m, args.clients) for m in places if m not in held_back]
        began = time.perf_counter()
        await publish(js, events)
        print(f"published {len(events)} events of {len(places)} municipalities "
              f"in {time.perf_counter() - began:.1f} s")  # fmt: skip

        settings = Settings(
            nats_url=stack.operator_url,
            database_url=stack.database_url,
            database_prefix=f"bench_{uuid.uuid4().hex[:8]}",
            tokens=f"{TOKEN}=ministry:*",
        )
        app = create(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench",
                headers={"Authorization": f"Bearer {TOKEN}"},
            ) as http:  # fmt: skip
                began = time.perf_counter()
                await caught_up(http)
                seconds = time.perf_counter() - began
                print(
                    f"consume  {len(events)} events in {seconds:6.2f} s = "
                    f"{len(events) / seconds:7,.0f} events/s"
                )
                began = time.perf_counter()
                national = (await http.get(f"/national/months/{MONTH}")).json()
                print(
                    f"national month via the API: {time.perf_counter() - began:.3f} s, "
                    f"{len(national['municipalities'])} municipalities, "
                    f"{national['national']['clients_active']} clients, "
                    f"{national['national']['paid_total']} EUR"
                )
                latencies = []
                for municipality in held_back:
                    began = time.perf_counter()
                    await publish(js, [report(municipality, args.clients)])
                    await reconciled(http, municipality)
                    latencies.append(time.perf_counter() - began)
                print(
                    f"MonthlyReportSubmitted → reconciliation visible via the API: "
                    f"median {statistics.median(latencies) * 1000:.0f} ms, "
                    f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} reports"
                )
        await nc.drain()
    finally:
        stop_stack(data_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=40, help="clients per municipality")
    parser.add_argument("--reports", type=int, default=5, help="reports timed one by one")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
