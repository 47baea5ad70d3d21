"""The demo's summary is read by people: counts agree with their nouns."""

from __future__ import annotations

from deploy.demo_payments import counted


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert counted(1, "assistant") == "1 assistant"
    assert counted(2, "assistant") == "2 assistants"
    assert counted(0, "payment") == "0 payments"
