"""Find the erased people among the clear personal codes a service copied from upstream.

Timesheets and payments keep personal codes (and payments names and IBANs) of assistants
and clients in their own tables, learned from decisions' events (issue #9). An erasure
(``PersonalDataErased``) names only the destroyed key id, and destroying the key purged
every index entry ``r.<digest>`` pointing to it (shared/privacy/keyring.py). So a code of
the erasure's municipality whose reference ``<municipality>/personal_code:<code>`` no
longer leads to a key belongs to an erased person: every person whose code was ever
written in an event got a key then (sealing makes it), and only an erasure removes it.

A lookup never makes a key (``Keyring.key_id``, not ``key_for``). One key-bucket read per
code still held in clear; erasures are rare, and the reads go out in small concurrent groups.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from shared.events.personal import ERASED
from shared.privacy.keyring import Keyring
from shared.privacy.protect import PrivacyNotConfigured, Protector, reference

# Concurrent key-bucket reads per group: enough to hide the round trips, few enough not to
# crowd the NATS connection the consumers share.
LOOKUPS_AT_ONCE = 32


def erased_mark(row_id: str) -> str:
    """What replaces an erased person's code in a row: "erased", unique per row.

    Unique, because the tables match people by code (one assistant across municipalities,
    rules.md §6.1, §10; one client across cases): two erased people must not become one.
    """
    return f"{ERASED}:{row_id}"


def is_erased_mark(value: str) -> bool:
    return value == ERASED or value.startswith(f"{ERASED}:")


def keyring_of(protector: Protector | None) -> Keyring:
    """The keyring a service needs to tell who was erased; a service without one must not
    keep personal codes at all."""
    keyring = getattr(protector, "keyring", None)
    if not isinstance(keyring, Keyring):
        raise PrivacyNotConfigured("an erasure reached a service without keys (ASIST_MASTER_KEY)")
    return keyring


async def erased_codes(keyring: Keyring, municipality: str, codes: Iterable[str]) -> set[str]:
    """The codes among ``codes`` (of ``municipality``) whose person no longer has a key."""
    todo = sorted({c for c in codes if c and not is_erased_mark(c)})
    erased: set[str] = set()
    for start in range(0, len(todo), LOOKUPS_AT_ONCE):
        group = todo[start : start + LOOKUPS_AT_ONCE]
        found = await asyncio.gather(
            *(keyring.key_id(reference(municipality, "personal_code", c)) for c in group)
        )
        erased.update(code for code, kid in zip(group, found, strict=True) if kid is None)
    return erased
