"""A caseworker changes an assistant's payment details: ``AssistantPaymentDetailsChanged``
(rules.md §8), read by payments for re-issues and withholding."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from tests.integration.test_decisions_assistants import register
from tests.integration.test_decisions_support import CASEWORKER, DGP, event_names, headers

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


async def test_a_new_iban_and_the_tax_book_are_recorded_once_and_shown(
    decisions: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    assistant_id = await register(decisions, tax_book_held=True)
    url = f"{DGP}/assistants/{assistant_id}/payment-details"
    change = {"iban": "LV97 HABA 0012 3456 7891 0", "tax_book_held": False}
    response = await decisions.post(url, json=change, headers=headers())
    assert response.status_code == 201, response.text
    assert response.json()["iban"] == "LV97HABA0012345678910"
    unchanged = await decisions.post(url, json=change, headers=headers())
    assert (unchanged.status_code, unchanged.json()["changed"]) == (200, False)

    shown = (await decisions.get(f"{DGP}/assistants/{assistant_id}", headers=CASEWORKER)).json()
    assert (shown["iban"], shown["tax_book_held"]) == ("LV97HABA0012345678910", False)
    names = await event_names(db, f"assistant-{assistant_id}")
    assert names == ["AssistantRegistered", "AssistantPaymentDetailsChanged"]


async def test_a_bad_iban_or_an_empty_change_is_refused_naming_the_fields(
    decisions: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    assistant_id = await register(decisions)
    url = f"{DGP}/assistants/{assistant_id}/payment-details"
    bad = await decisions.post(url, json={"iban": "LV00 NOPE"}, headers=headers())
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["iban"]
    empty = await decisions.post(url, json={}, headers=headers())
    assert empty.status_code == 422
    assert {e["field"] for e in empty.json()["errors"]} == {"iban", "tax_status", "tax_book_held"}
    other = await decisions.post(
        f"/municipalities/ludza/assistants/{assistant_id}/payment-details",
        json={"tax_book_held": True},
        headers={"Authorization": "Bearer ludza-caseworker", "Idempotency-Key": "k"},
    )
    assert other.status_code == 404
