"""The partners' durables, made by the operator (issue #18 point 5; docs/partners.md §3).

A partner reads its history and gets at-least-once delivery through durable pull
consumers of its own on the services' streams; it cannot create one itself (a create
request could make a push consumer that writes into another stream: the reasons are in
``deploy/nats_accounts.py``), so the operator creates them from ``PARTNERS`` there:

    ASIST_NATS_URL=nats://127.0.0.1:14222 ASIST_NATS_USER=asist ASIST_NATS_PASSWORD=… \\
        .venv/bin/python -m deploy.partner_durables

Idempotent: run it after adding a partner or a durable, and again after a partner has
deleted its durable to start over (it then starts from the first event again). Without
ASIST_NATS_USER it uses the local stack's tool user (``.local/stack/secrets.json``).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from deploy.nats_accounts import PARTNERS, STREAMS, TOOL_USER, Durable, partner_durables
from shared.bus.provisioning import ensure_service_stream

# A partner that fetched a message and fell over gets it again after this long.
ACK_WAIT_SECONDS = 30.0


def durables() -> list[Durable]:
    """Every partner's durables (ValueError when one reaches outside its agreement)."""
    return [durable for partner in PARTNERS for durable in partner_durables(partner)]


def consumer_config(durable: Durable, ack_wait: float = ACK_WAIT_SECONDS) -> ConsumerConfig:
    """Pull, explicit ack, from the first event, redelivered without limit: a partner's
    feed never gives up on a message (it has no dead letters of its own)."""
    one = len(durable.filters) == 1
    return ConsumerConfig(
        name=durable.name,
        durable_name=durable.name,
        description=f"Partner {durable.partner} (deploy/partner_durables.py)",
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait,
        max_deliver=-1,
        filter_subject=durable.filters[0] if one else None,
        filter_subjects=None if one else list(durable.filters),
    )


async def ensure_partner_durables(
    js: JetStreamContext, ack_wait: float = ACK_WAIT_SECONDS
) -> list[str]:
    """Create (or bring up to date) every partner durable, with its stream; returns their
    names as ``<STREAM>/<durable>``."""
    service_of = {stream: service for service, stream in STREAMS.items()}
    made = []
    for durable in durables():
        await ensure_service_stream(js, service_of[durable.stream])
        await js.add_consumer(durable.stream, consumer_config(durable, ack_wait))
        made.append(f"{durable.stream}/{durable.name}")
    return made


def operator_credentials() -> tuple[str, str, str]:
    """(url, user, password) of the tool user: ASIST_NATS_*, else the local stack's."""
    from deploy.stack import default_data_dir

    url = os.environ.get("ASIST_NATS_URL", "nats://127.0.0.1:14222")
    if os.environ.get("ASIST_NATS_USER"):
        return url, os.environ["ASIST_NATS_USER"], os.environ.get("ASIST_NATS_PASSWORD", "")
    secrets = json.loads((default_data_dir() / "secrets.json").read_text())
    return url, TOOL_USER, secrets["nats_passwords"][TOOL_USER]


async def make_partner_durables(url: str, user: str | None, password: str | None) -> list[str]:
    """Connect as the tool user and make every partner durable (``./asist up`` does this)."""
    nc = await nats.connect(url, user=user, password=password)
    try:
        return await ensure_partner_durables(nc.jetstream())
    finally:
        await nc.close()


async def _main() -> None:
    for name in await make_partner_durables(*operator_credentials()):
        print(f"durable {name}")


if __name__ == "__main__":
    asyncio.run(_main())
    sys.exit(0)
