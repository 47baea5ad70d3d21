"""Settings of the decisions service only (prefix ``ASIST_DECISIONS_``)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.contracts.decisions import Official


class DecisionsSettings(BaseSettings):
    """Settings of this service only, prefix ``ASIST_DECISIONS_``."""

    model_config = SettingsConfigDict(env_prefix="ASIST_DECISIONS_", extra="ignore")

    # How often the background job looks for cases past their deadline (rules.md §5.4).
    overdue_check_seconds: float = 900.0
    # legal.md §3 item 13: who signs, by token id (the digest in an event's actor):
    # {"<token id>": {"name": "…", "position": "…"}}. A token not named here signs as the
    # municipality's default official (shared.municipalities.ACTS_DATA).
    officials: dict[str, Official] = {}
    # legal.md §6: municipalities (slugs) that follow the Cabinet orders transferring
    # working days, so a transferred day off is not a working day in their terms.
    transferred_days_off: list[str] = []
    # legal.md §2: let the background job close cases whose grant reached its end date
    # (``CaseEnded``); off by default, ``POST …/cases/grant-end-check`` does it on demand.
    end_grants_in_background: bool = False
