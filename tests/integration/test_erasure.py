"""Erasure by crypto-shredding (issue #9), end to end over intake and decisions.

A person applies, is assessed (with a note), granted hours and reports a hospital stay;
a caseworker erases them. Then every table of both services, every stream (partners' copies
are the same messages) and the log output are searched for the person's code and names:
zero hits. Every event still parses, personal fields read "erased", hours and counts stay,
and another person of the same municipality is untouched.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from services.decisions.app import create as create_decisions
from services.intake.app import create as create_intake
from shared.events.personal import ERASED
from shared.privacy.setup import connected_protector
from shared.settings import Settings
from shared.store.db import database_dsn
from shared.store.eventstore import EventStore
from tests.conftest import ServiceFactory
from tests.integration.test_decisions_support import (
    DGP,
    TODAY,
    adult_facts,
    eventually,
    headers,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


def person() -> dict[str, str]:
    """A person no other test uses: a new-format code (rules.md §10) and unique names."""
    tag = secrets.token_hex(3)
    return {
        "personal_code": "32" + str(secrets.randbelow(10**9)).zfill(9),
        "first_name": f"Zigfrīds{tag}",
        "last_name": f"Dzēšamais{tag}",
    }


def application(who: dict[str, str]) -> dict[str, Any]:
    return {
        "channel": "in_person",
        "received_on": TODAY.isoformat(),
        "applicant": {
            **who,
            "birth_date": "1985-03-12",
            "declared_address": f"Dzēšanas iela {who['last_name']}, Daugavpils",
            "email": f"{who['first_name'].lower()}@example.lv",
        },
        "activities": [
            {"kind": "work", "hours_per_week": "20", "description": f"{who['last_name']} darbs"},
            {"kind": "leisure", "hours_per_week": "5"},
        ],
    }


async def submit_and_grant(
    intake: httpx.AsyncClient, decisions: httpx.AsyncClient, who: dict[str, str]
) -> str:
    submitted = await intake.post(f"{DGP}/applications", json=application(who), headers=headers())
    assert submitted.status_code == 201, submitted.text
    case_id = str(submitted.json()["application_id"])
    case_url = f"{DGP}/cases/{case_id}"

    async def case_open() -> bool:
        return (await decisions.get(case_url, headers=headers())).status_code == 200

    await eventually(case_open)
    facts = adult_facts(note=f"{who['first_name']} {who['last_name']}: epilepsija")
    assessed = await decisions.post(f"{case_url}/assessment", json=facts, headers=headers())
    assert assessed.status_code == 201, assessed.text
    granted = await decisions.post(
        f"{case_url}/decision", json={"period_start": TODAY.isoformat()}, headers=headers()
    )
    assert granted.status_code == 201, granted.text
    reported = await intake.post(
        f"{DGP}/applications/{case_id}/circumstances",
        json={
            "kind": "inpatient",
            "effective_from": (TODAY + timedelta(days=3)).isoformat(),
            "description": f"{who['last_name']} slimnīcā",
        },
        headers=headers(),
    )
    assert reported.status_code == 201, reported.text
    return case_id


async def case_row(decisions: httpx.AsyncClient, case_id: str) -> dict[str, Any]:
    """The case's row in the caseworkers' list (the read model)."""
    listed = (await decisions.get(f"{DGP}/cases", headers=headers())).json()
    rows = listed["items"] if isinstance(listed, dict) else listed
    return next(dict(r) for r in rows if r["case_id"] == case_id)


async def hits_in_tables(dsn: str, needles: list[str]) -> dict[str, int]:
    """Rows of every table of the database whose text contains one of ``needles``."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = [
            r["table_name"]
            for r in await conn.fetch(
                "select table_name from information_schema.tables"
                " where table_schema = 'public' and table_type = 'BASE TABLE'"
            )
        ]
        patterns = [f"%{n}%" for n in needles]
        found = {}
        for table in tables:
            count = await conn.fetchval(
                f'select count(*) from "{table}" as t where t::text like any($1::text[])',
                patterns,
            )
            if count:
                found[table] = int(count)
        return found
    finally:
        await conn.close()


async def hits_in_streams(js: JetStreamContext, needles: list[str]) -> dict[str, int]:
    """Messages of every stream (events, dead letters, the key bucket) naming a needle."""
    found: dict[str, int] = {}
    for info in await js.streams_info():
        name, state = info.config.name or "", info.state
        for seq in range(state.first_seq, state.last_seq + 1) if state.messages else []:
            try:
                msg = await js.get_msg(name, seq)
            except Exception:  # a deleted message (the key bucket's purges)
                continue
            text = (msg.data or b"").decode(errors="replace") + str(msg.headers or {})
            if any(n in text for n in needles):
                found[name] = found.get(name, 0) + 1
    return found


async def test_an_erased_person_is_in_no_table_stream_or_log_and_counts_stay(
    start_service: ServiceFactory,
    settings: Settings,
    js: JetStreamContext,
    capfd: pytest.CaptureFixture[str],
) -> None:
    intake = await start_service(create_intake)
    decisions = await start_service(create_decisions)
    erased, kept = person(), person()
    case_id = await submit_and_grant(intake, decisions, erased)
    kept_case = await submit_and_grant(intake, decisions, kept)

    async def task_recorded() -> bool:
        return bool((await case_row(decisions, case_id))["open_tasks"])

    await eventually(task_recorded)
    before = await case_row(decisions, case_id)
    hours_before = (await decisions.get(f"{DGP}/cases/{case_id}", headers=headers())).json()[
        "grant"
    ]["hours"]
    assert before["client_name"] == f"{erased['first_name']} {erased['last_name']}"
    response = await decisions.post(
        f"{DGP}/erasures",
        json={
            "personal_code": erased["personal_code"],
            "legal_basis": "consent_withdrawn",
            "request_reference": "2-12/345",
        },
        headers=headers(),
    )
    assert response.status_code == 201, response.text
    audit = response.json()
    assert audit["events_sealed"] >= 3  # CaseOpened, AssessmentRecorded, HoursGranted, task
    assert erased["personal_code"] not in response.text

    async def intake_scrubbed() -> bool:
        read = await intake.get(f"{DGP}/applications/{case_id}", headers=headers())
        return bool(read.json()["applicant"]["first_name"] == ERASED)

    await eventually(intake_scrubbed)

    # Nothing changes but the personal fields: status, hours, period, counts.
    after = await case_row(decisions, case_id)
    assert after["client_name"] == f"{ERASED} {ERASED}"
    assert {k: v for k, v in after.items() if k != "client_name"} == {
        k: v for k, v in before.items() if k != "client_name"
    }, "status, hours, period, tasks and decisions stay"
    case = (await decisions.get(f"{DGP}/cases/{case_id}", headers=headers())).json()
    assert case["application"]["client"]["first_name"] == ERASED
    assert case["assessment"]["note"] == ERASED
    assert case["grant"]["hours"] == hours_before, "the granted hours stay"
    other = (await intake.get(f"{DGP}/applications/{kept_case}", headers=headers())).json()
    assert other["applicant"]["first_name"] == kept["first_name"], "another person is not touched"
    again = await decisions.post(
        f"{DGP}/erasures",
        json={
            "personal_code": erased["personal_code"],
            "legal_basis": "objection",
            "request_reference": "2-12/346",
        },
        headers=headers(),
    )
    assert again.status_code == 404, "already erased: no key left"

    # Every stored event still parses; the person's fields read "erased".
    async with connected_protector(settings) as protector:
        for service in ("intake", "decisions"):
            store = EventStore(service, protector=protector)
            dsn = database_dsn(settings.database_url, settings.database_name(service))
            conn = await asyncpg.connect(dsn)
            try:
                for record in await store.read_all(conn):
                    store.decode(record.envelope)  # raises if an event no longer parses
                    assert erased["last_name"] not in str(record.envelope.data)
            finally:
                await conn.close()

    # The search: the code (both forms) and the names, in every table, stream and log line.
    code = erased["personal_code"]
    needles = [code, f"{code[:6]}-{code[6:]}", erased["first_name"], erased["last_name"]]
    for service in ("intake", "decisions"):
        dsn = database_dsn(settings.database_url, settings.database_name(service))
        assert await hits_in_tables(dsn, needles) == {}, service
    assert await hits_in_streams(js, needles) == {}
    logs = capfd.readouterr()
    assert "privacy.key_destroyed" in logs.out + logs.err, "the capture sees the service logs"
    assert not [n for n in needles if n in logs.out + logs.err]
    # The search would find them: the other person is everywhere in clear where allowed.
    dsn = database_dsn(settings.database_url, settings.database_name("decisions"))
    assert await hits_in_tables(dsn, [kept["last_name"]]) != {}
    assert uuid.UUID(audit["erasure_id"])
