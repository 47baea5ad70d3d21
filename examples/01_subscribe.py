"""Follow decisions as they happen, as an integration partner with its own NATS user.

A partner subscribes only to the subjects it is entitled to (the server refuses anything
else: deploy/nats_accounts.py, docs/partners.md); history and what was published while it
was away come from its own durable (02_replay.py --partner). Personal fields arrive
encrypted ("enc:v1:…", docs/privacy.md); everything else (hours, dates, ids, codes of the
rules) is clear, so counting and matching on case ids work without personal data.

    .venv/bin/python examples/01_subscribe.py [nats://127.0.0.1:14222] [how many events]

Credentials: ASIST_NATS_USER / ASIST_NATS_PASSWORD, or the local stack's demo partner
``partner-statistics`` from .local/stack/secrets.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import nats
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from nats.aio.msg import Msg

LOCAL_URL = "nats://127.0.0.1:14222"

PARTNER = "partner-statistics"
ENTITLED = (
    "asist.*.decisions.HoursGranted",
    "asist.*.decisions.ApplicationRefused",
    "asist.*.decisions.ServiceTerminated",
)


def describe(raw: bytes) -> str:
    """One line per event: type, municipality, case, hours, and the (encrypted) person."""
    event = JSONFormat().read(CloudEvent, raw)
    data = event.get_data()
    data = data if isinstance(data, dict) else {}
    person = str(data.get("personal_code", ""))[:20]  # ciphertext: the person stays hidden
    return " ".join(
        str(part)
        for part in (
            event.get_type(),
            event.get_extension("municipality"),
            data.get("case_id"),
            data.get("hours", "-"),
            data.get("unit", "-"),
            person + "…" if person else "-",
        )
    )


async def follow(
    url: str,
    user: str,
    password: str,
    *,
    subjects: tuple[str, ...] = ENTITLED,
    limit: int = 10,
    max_seconds: float | None = 60.0,
    ready: asyncio.Event | None = None,
) -> list[str]:
    """Print (and return) the first ``limit`` events, or what came within ``max_seconds``
    (None: no time limit).

    Plain NATS subscriptions: new events only, while connected (for history and catching
    up, the partner's durable: 02_replay.py). ``ready`` is set once the server has every
    subscription.
    """
    lines: list[str] = []

    def say(line: str) -> None:
        print(line)
        lines.append(line)

    async def on_error(error: Exception) -> None:
        say(f"refused by the server: {error}")  # e.g. a subject this partner is not entitled to

    nc = await nats.connect(url, user=user, password=password, error_cb=on_error)
    queue: asyncio.Queue[Msg] = asyncio.Queue()

    async def keep(msg: Msg) -> None:
        await queue.put(msg)

    try:
        for subject in subjects:
            await nc.subscribe(subject, cb=keep)
        await nc.flush()  # the server has the subscriptions (and has refused any it refuses)
        if ready is not None:
            ready.set()
        async with asyncio.timeout(max_seconds):
            while len([line for line in lines if not line.startswith("refused")]) < limit:
                say(describe((await queue.get()).data))
    except TimeoutError:
        pass  # nothing more within max_seconds
    finally:
        # Plain subscriptions have nothing pending: drain returns at once.
        await nc.drain()
    return lines


def credentials(default_user: str) -> tuple[str, str]:
    """ASIST_NATS_USER / ASIST_NATS_PASSWORD, else ``default_user`` of the local stack."""
    if os.environ.get("ASIST_NATS_USER"):
        return os.environ["ASIST_NATS_USER"], os.environ.get("ASIST_NATS_PASSWORD", "")
    secrets = Path(__file__).resolve().parents[1] / ".local" / "stack" / "secrets.json"
    return default_user, json.loads(secrets.read_text())["nats_passwords"][default_user]


if __name__ == "__main__":
    user, password = credentials(PARTNER)
    url = sys.argv[1] if len(sys.argv) > 1 else LOCAL_URL
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    asyncio.run(follow(url, user, password, limit=limit, max_seconds=None))
