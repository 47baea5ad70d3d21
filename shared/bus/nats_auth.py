"""The NATS credentials of a client, as keyword arguments (issue #9).

One place for them, used by ``nats.connect`` and by FastStream's ``NatsBroker`` alike (both
take the same keywords): a user and password (``ASIST_NATS_USER``/``ASIST_NATS_PASSWORD``)
or a credentials file (``ASIST_NATS_CREDS``: JWT and nkey seed, for operator-mode servers).
"""

from __future__ import annotations

from typing import Any

from faststream.nats import NatsCredentials, NatsUserPassword
from faststream.nats.security import NatsSecurity

from shared.settings import Settings


def nats_auth(settings: Settings) -> dict[str, Any]:
    """``user``/``password`` or ``user_credentials`` for ``nats.connect(**...)``; {} if none."""
    if settings.nats_creds:
        return {"user_credentials": settings.nats_creds}
    if settings.nats_user:
        return {"user": settings.nats_user, "password": settings.nats_password}
    return {}


def broker_security(settings: Settings) -> NatsSecurity | None:
    """The same credentials for FastStream's ``NatsBroker(security=...)``."""
    auth = nats_auth(settings)
    if "user_credentials" in auth:
        return NatsCredentials(auth["user_credentials"])
    if "user" in auth:
        return NatsUserPassword(auth["user"], auth["password"])
    return None
