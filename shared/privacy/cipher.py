"""AES-256-GCM for personal fields and for wrapping data keys (pure: no I/O).

Wire form of one field: ``enc:v1:<key id>:<base64url(nonce + ciphertext + tag)>``; the key
id (32 hex digits, random, not derived from the person) is also the associated data, so a
ciphertext cannot be passed off as encrypted under another key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import re
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.events.personal import WIRE_PATTERN, WIRE_PREFIX

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the GCM standard nonce; random per field, never reused with a key


class CipherError(ValueError):
    """A ciphertext that is malformed or does not authenticate under its key."""


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_key_id() -> str:
    return secrets.token_hex(16)


def generate_master_key() -> str:
    """A fresh value for ``ASIST_MASTER_KEY``: 32 random bytes, base64url."""
    return _b64(secrets.token_bytes(KEY_BYTES))


def parse_master_key(text: str) -> bytes:
    """``ASIST_MASTER_KEY`` as bytes: 32 bytes in base64url (or base64, or 64 hex digits)."""
    value = text.strip()
    candidates: list[bytes] = []
    if re.fullmatch(r"[0-9a-fA-F]{64}", value):
        candidates.append(bytes.fromhex(value))
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    for candidate in candidates:
        if len(candidate) == KEY_BYTES:
            return candidate
    raise ValueError(
        "ASIST_MASTER_KEY must be 32 random bytes in base64url (43 or 44 characters) or 64 "
        "hex digits; generate one with: python -c 'from shared.privacy.cipher import "
        "generate_master_key as g; print(g())'"
    )


_PREFIX_LENGTH = len(WIRE_PREFIX)
_KID_END = _PREFIX_LENGTH + 32


_WIRE = re.compile(WIRE_PATTERN)


def is_sealed(value: object) -> bool:
    """Whether ``value`` has the wire form; anything else is clear text, even "enc:v1:x"."""
    return isinstance(value, str) and value.startswith(WIRE_PREFIX) and bool(_WIRE.match(value))


def key_id_of(wire: str) -> str:
    # Slicing, not the regex: this runs for every sealed field of every event read.
    if len(wire) <= _KID_END + 1 or wire[_KID_END] != ":" or not wire.startswith(WIRE_PREFIX):
        raise CipherError("not an encrypted field")
    return wire[_PREFIX_LENGTH:_KID_END]


def encrypt_field(key_id: str, key: bytes | AESGCM, clear: str) -> str:
    """``clear`` sealed under the data key ``key_id`` (bytes, or an ``AESGCM`` made of them)."""
    cipher = key if isinstance(key, AESGCM) else AESGCM(key)
    nonce = os.urandom(NONCE_BYTES)
    sealed = cipher.encrypt(nonce, clear.encode(), key_id.encode())
    return f"{WIRE_PREFIX}{key_id}:{_b64(nonce + sealed)}"


def decrypt_field(key: bytes | AESGCM, wire: str) -> str:
    kid = key_id_of(wire)
    raw = _unb64(wire[_KID_END + 1 :])
    cipher = key if isinstance(key, AESGCM) else AESGCM(key)
    try:
        clear = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], kid.encode())
    except InvalidTag as error:
        raise CipherError(f"field under key {kid} does not authenticate") from error
    return clear.decode()


def wrap_key(master: bytes, key_id: str, key: bytes) -> str:
    """The data key encrypted by the master key (bound to its id), base64url."""
    nonce = os.urandom(NONCE_BYTES)
    return _b64(nonce + AESGCM(master).encrypt(nonce, key, _wrap_aad(key_id)))


def unwrap_key(master: bytes, key_id: str, wrapped: str) -> bytes:
    raw = _unb64(wrapped)
    try:
        return AESGCM(master).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _wrap_aad(key_id))
    except InvalidTag as error:
        raise CipherError(
            f"data key {key_id} does not unwrap: is ASIST_MASTER_KEY the one it was made with?"
        ) from error


def index_key(master: bytes) -> bytes:
    """The key of the reference index, derived from the master key."""
    return hmac.new(master, b"asist-reference-index", hashlib.sha256).digest()


def reference_digest(index: bytes, reference: str) -> str:
    """A keyed digest of "municipality/field:value": the index entry never shows the value."""
    return hmac.new(index, reference.encode(), hashlib.sha256).hexdigest()


def _wrap_aad(key_id: str) -> bytes:
    return f"asist-data-key:{key_id}".encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise CipherError("malformed base64url") from error
