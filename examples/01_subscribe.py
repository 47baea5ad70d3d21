"""Follow decisions as they happen, as an integration partner with its own NATS user.

A partner may only subscribe, and only to the subjects it is entitled to (the server
refuses anything else: deploy/nats_accounts.py). Personal fields arrive encrypted
("enc:v1:…", docs/privacy.md); everything else (hours, dates, ids, codes of the rules) is
clear, so counting and matching on case ids work without personal data.

    .venv/bin/python examples/01_subscribe.py [nats://127.0.0.1:14222]

Credentials: ASIST_NATS_USER / ASIST_NATS_PASSWORD, or the local stack's demo partner
``partner-statistics`` from .local/stack/secrets.json.
"""

import asyncio
import json
import os
import sys
from pathlib import Path

import nats
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from nats.aio.msg import Msg

PARTNER = "partner-statistics"
ENTITLED = ["asist.*.decisions.HoursGranted", "asist.*.decisions.ApplicationRefused"]


def credentials() -> tuple[str, str]:
    """The partner's own user and password: from the environment, else the local stack."""
    if os.environ.get("ASIST_NATS_USER"):
        return os.environ["ASIST_NATS_USER"], os.environ.get("ASIST_NATS_PASSWORD", "")
    secrets = Path(__file__).resolve().parents[1] / ".local" / "stack" / "secrets.json"
    return PARTNER, json.loads(secrets.read_text())["nats_passwords"][PARTNER]


async def main(url: str) -> None:
    user, password = credentials()

    async def on_error(error: Exception) -> None:
        print("refused by the server:", error)  # e.g. a subject this partner is not entitled to

    nc = await nats.connect(url, user=user, password=password, error_cb=on_error)
    queue: asyncio.Queue[Msg] = asyncio.Queue()

    async def keep(msg: Msg) -> None:
        await queue.put(msg)

    for subject in ENTITLED:  # plain subscriptions: new events only, no JetStream API
        await nc.subscribe(subject, cb=keep)
    while True:
        msg = await queue.get()
        event = JSONFormat().read(CloudEvent, msg.data)
        data = event.get_data()
        data = data if isinstance(data, dict) else {}
        print(
            event.get_type(),
            event.get_extension("municipality"),
            data.get("case_id"),
            data.get("hours"),
            str(data.get("personal_code", ""))[:20] + "…",  # ciphertext: the person stays hidden
        )


asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "nats://127.0.0.1:14222"))
