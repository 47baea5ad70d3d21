"""Erasure across every service (issue #9), with timesheets and payments running too.

Every service runs as its own process and the demo month is played: applications,
decisions, assistants, time reports approved and corrected, payment runs with bank files.
Then a Daugavpils caseworker erases an assistant (Dace Egle: registered, assigned, reported,
paid in a bank file) and a client (Marta Ozola: granted, her month reported and corrected).
Afterwards the tables of all five services, every stream and every service's log are
searched for their personal codes (both forms), names and the assistant's IBAN.

Zero hits, except what docs/privacy.md §3 says a municipality must keep, asserted here
explicitly: the bank file of the payment already made (name and IBAN, the accounting
source document) and its transfer record (the IBAN it went to).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from deploy import demo
from deploy.demo_timesheets import DACE
from shared.settings import Settings
from shared.store.db import database_dsn
from tests.conftest import Servers
from tests.e2e.test_demo_month import TOKENS, services
from tests.integration.test_decisions_support import eventually
from tests.integration.test_erasure import hits_in_streams, hits_in_tables

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean_bus")]

__all__ = ["services"]  # the fixture: every service as its own process

SERVICES = ("intake", "decisions", "timesheets", "payments", "reporting")
DACE_IBAN = "LV97HABA0012345678910"  # deploy/demo_timesheets.py


def code_forms(code: str) -> list[str]:
    digits = code.replace("-", "")
    return [digits, f"{digits[:6]}-{digits[6:]}"]


def marta() -> tuple[str, demo.Client]:
    client = next(c for c in demo.CLIENTS if c.first_name == "Marta")
    return demo.personal_code(client.birth_date, 101 + demo.CLIENTS.index(client)), client


async def erase(decisions_url: str, code: str, reference: str) -> None:
    async with httpx.AsyncClient(base_url=decisions_url, timeout=30) as http:
        response = await http.post(
            "/municipalities/daugavpils/erasures",
            json={
                "personal_code": code,
                "legal_basis": "legal_obligation",
                "request_reference": reference,
            },
            headers={
                "Authorization": f"Bearer {TOKENS['daugavpils']}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
    assert response.status_code == 201, response.text


async def test_erasure_reaches_timesheets_and_payments_and_keeps_only_the_bank_record(
    services: dict[str, str], stack: Servers, js: JetStreamContext, tmp_path: Path
) -> None:
    await asyncio.to_thread(demo.play, services, TOKENS, stack.nats_url)
    settings = Settings(
        database_url=stack.database_url, database_prefix=os.environ["ASIST_DATABASE_PREFIX"]
    )
    dsns = {s: database_dsn(settings.database_url, settings.database_name(s)) for s in SERVICES}

    marta_code, client = marta()
    dace_code = demo.personal_code(*DACE)
    # Marta's last name alone would also find her mother, who represents her: another
    # person with a key of her own, not erased (asserted below).
    names = ["Dace", "Egle", client.first_name, f"{client.first_name} {client.last_name}"]
    needles = [*code_forms(dace_code), *code_forms(marta_code), *names]
    # Before: timesheets and payments hold them in clear (the search would find them).
    assert await hits_in_tables(dsns["timesheets"], code_forms(dace_code)) != {}
    assert "assistants" in await hits_in_tables(dsns["payments"], ["Dace Egle", DACE_IBAN])

    await erase(services["decisions"], dace_code, "2-12/901")
    await erase(services["decisions"], marta_code, "2-12/902")

    async def left() -> dict[str, dict[str, int]]:
        found = {s: await hits_in_tables(dsns[s], needles) for s in SERVICES}
        found["payments names"] = await hits_in_tables(dsns["payments"], ["Dace Egle"])
        return {s: hits for s, hits in found.items() if hits}

    async def scrubbed() -> bool:
        return not await left()

    try:
        await eventually(scrubbed, seconds=60)
    except AssertionError:
        raise AssertionError(f"still holding the erased people: {await left()}") from None

    # No table of any service, no stream, no log holds the codes or names...
    for service in SERVICES:
        assert await hits_in_tables(dsns[service], needles) == {}, service
    assert await hits_in_streams(js, [*needles, DACE_IBAN]) == {}
    logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "logs").glob("*.log"))
    assert "payments.erased" in logs and "timesheets.erased" in logs, "both handlers ran"
    assert [n for n in [*needles, DACE_IBAN] if n in logs] == []

    # ...and the IBAN is gone from every table but the record of the payment already made.
    for service in SERVICES:
        found = await hits_in_tables(dsns[service], [DACE_IBAN])
        assert found == ({"transfers": 1} if service == "payments" else {}), service
    conn = await asyncpg.connect(dsns["payments"])
    try:
        row = await conn.fetchrow(
            "select name, iban, personal_code, assistant_id from assistants"
            " where personal_code like 'erased:%'"
        )
        assert row is not None and (row["name"], row["iban"]) == ("erased", "erased")
        assert row["personal_code"] == f"erased:{row['assistant_id']}"
        kept = [
            bytes(r["content"])
            for r in await conn.fetch(
                "select content from bank_files where municipality = $1", "daugavpils"
            )
        ]
        # Kept on purpose (docs/privacy.md §3): the bank file the bank received, unchanged.
        assert any(b"Dace Egle" in c and DACE_IBAN.encode() in c for c in kept)
        other = await conn.fetchval(
            "select count(*) from assistants where personal_code not like 'erased:%'"
        )
        assert other >= 1, "the other assistants keep their data"
    finally:
        await conn.close()
    mother = f"Inese {client.last_name}"  # deploy/demo.py: the representative
    assert await hits_in_tables(dsns["intake"], ["Inese"]) != {}, mother + " is not erased"
    conn = await asyncpg.connect(dsns["timesheets"])
    try:
        erased = await conn.fetch(
            "select personal_code from known_assistants where personal_code like 'erased:%'"
            " union all select client_code from grant_cases where client_code like 'erased:%'"
        )
        assert len(erased) == 2, "Dace's registration and Marta's case"
    finally:
        await conn.close()
