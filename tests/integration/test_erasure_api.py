"""The erasure command's refusals (issue #9): bad input names each field, nothing is destroyed."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from tests.conftest import auth
from tests.integration.test_decisions_support import DGP, headers, open_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]

ERASE = f"{DGP}/erasures"
VALID = {
    "personal_code": "120385-12342",
    "legal_basis": "consent_withdrawn",
    "request_reference": "2-12/345",
}


async def test_bad_input_is_a_problem_naming_each_field(decisions: httpx.AsyncClient) -> None:
    body = {"personal_code": "123", "legal_basis": "because", "request_reference": "Jānis B."}
    response = await decisions.post(ERASE, json=body, headers=headers())
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    named = {e["field"] for e in response.json()["errors"]}
    assert {"personal_code", "legal_basis", "request_reference"} <= {
        f.rsplit(".", 1)[-1] for f in named
    }


async def test_only_a_caseworker_of_the_municipality_erases(decisions: httpx.AsyncClient) -> None:
    for token in ("ludza-caseworker", "ministry"):
        response = await decisions.post(
            ERASE, json=VALID, headers={**auth(token), "Idempotency-Key": token}
        )
        assert response.status_code == 403, token
    missing_key = await decisions.post(ERASE, json=VALID, headers=auth("dgp-caseworker"))
    assert missing_key.status_code == 400


async def test_an_unknown_person_is_not_found_and_a_known_one_is_erased_once(
    decisions: httpx.AsyncClient, js: JetStreamContext
) -> None:
    unknown = await decisions.post(
        ERASE, json={**VALID, "personal_code": "32999999999"}, headers=headers()
    )
    assert unknown.status_code == 404
    await open_case(decisions, js)  # intake's event unsealed (as before #9); CaseOpened sealed
    first = await decisions.post(ERASE, json=VALID, headers=headers("erase-once"))
    assert first.status_code == 201, first.text
    replay = await decisions.post(ERASE, json=VALID, headers=headers("erase-once"))
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay.headers.get("Idempotent-Replayed") == "true"
    again = await decisions.post(ERASE, json=VALID, headers=headers())
    assert again.status_code == 404


async def test_two_erased_assistants_leave_their_rows_and_no_iban(
    decisions: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    """Assistants are persons too; two erased ones still fit the one-per-person rule."""
    ids = []
    for code, iban in (
        ("32000000011", "LV80BANK0000435195001"),
        ("32000000012", "LV97HABA0012345678910"),
    ):
        body = {
            "personal_code": code,
            "first_name": "Pēteris",
            "last_name": f"Ozols{code[-2:]}",
            "iban": iban,
            "tax_status": "employee",
            "experience": "Five years caring for a brother",
        }
        response = await decisions.post(f"{DGP}/assistants", json=body, headers=headers())
        assert response.status_code == 201, response.text
        ids.append(response.json()["assistant_id"])
        erased = await decisions.post(
            ERASE, json={**VALID, "personal_code": code}, headers=headers()
        )
        assert erased.status_code == 201, erased.text
    rows = await db.fetch("select * from assistants order by assistant_id")
    assert [r["assistant_id"] for r in rows] == sorted(ids)
    assert {(r["personal_code"], r["last_name"], r["iban"]) for r in rows} == {
        ("erased", "erased", "erased")
    }
    assert {r["tax_status"] for r in rows} == {"employee_like"}, "what is not personal stays"
    assert (
        await db.fetchval("select count(*) from idempotency_keys where body::text like '%LV%'") == 0
    )
