"""Who may do what on NATS (issue #9): the server's own accounts, users and permissions.

Partners may only subscribe, and only to the subjects they are entitled to; services may
publish only their own subjects; nobody outside the services' account reaches the key
bucket. Every refusal here comes from nats-server, not from our code.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from shared.bus.nats_auth import nats_auth
from shared.bus.provisioning import ensure_service_stream
from shared.events.envelope import Envelope, new_event_id, utc_now
from shared.privacy.keyring import KEY_BUCKET, open_key_bucket
from tests.conftest import ROOT, Servers

pytestmark = pytest.mark.integration

Connect = Callable[[str], Awaitable[tuple[NatsClient, list[Exception]]]]


@pytest.fixture
async def connect_as(stack: Servers) -> AsyncIterator[Connect]:
    """Connect as one of the users of deploy/nats_accounts.py; collects the server's errors."""
    if not stack.nats_passwords:
        pytest.skip("NATS named by the environment: its users are not the harness's")
    clients: list[NatsClient] = []

    async def connect(user: str) -> tuple[NatsClient, list[Exception]]:
        errors: list[Exception] = []

        async def on_error(error: Exception) -> None:
            errors.append(error)

        nc = await nats.connect(
            **nats_auth(stack.nats_settings(user)),
            servers=[stack.nats_url],
            error_cb=on_error,
            max_reconnect_attempts=0,
        )
        clients.append(nc)
        return nc, errors

    yield connect
    for nc in clients:
        with contextlib.suppress(Exception):
            await nc.close()


async def refused(errors: list[Exception], what: str) -> bool:
    """Whether the server refused ``what`` (nats-py reports the error in lower case)."""
    for _ in range(40):
        seen = [str(e).lower() for e in errors]
        if any("permissions violation" in e and what.lower() in e for e in seen):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_partner_receives_what_it_is_entitled_to_and_nothing_else(
    connect_as: Connect, nats_client: NatsClient
) -> None:
    partner, errors = await connect_as("partner-statistics")
    received: list[Msg] = []

    async def keep(msg: Msg) -> None:
        received.append(msg)

    await partner.subscribe("asist.*.decisions.HoursGranted", cb=keep)
    await partner.subscribe("asist.daugavpils.intake.ApplicationSubmitted", cb=keep)
    await partner.flush()
    assert await refused(errors, 'Subscription to "asist.daugavpils.intake.ApplicationSubmitted"')

    # Published in the services' account (as the relay does), seen across the import.
    await nats_client.publish("asist.ludza.decisions.HoursGranted", b"granted")
    await nats_client.publish("asist.daugavpils.intake.ApplicationSubmitted", b"personal")
    await nats_client.flush()
    for _ in range(40):
        if received:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    assert [m.subject for m in received] == ["asist.ludza.decisions.HoursGranted"]


async def test_a_partner_may_publish_nothing(connect_as: Connect, nats_client: NatsClient) -> None:
    partner, errors = await connect_as("partner-daugavpils-erp")
    spy: list[Msg] = []

    async def keep(msg: Msg) -> None:
        spy.append(msg)

    await nats_client.subscribe("asist.daugavpils.decisions.>", cb=keep)
    await nats_client.flush()
    await partner.publish("asist.daugavpils.decisions.HoursGranted", b"forged")
    await partner.flush()
    assert await refused(errors, 'Publish to "asist.daugavpils.decisions.HoursGranted"')
    await partner.publish("$JS.API.STREAM.NAMES", b"")
    await partner.flush()
    assert await refused(errors, 'Publish to "$JS.API.STREAM.NAMES"')
    await asyncio.sleep(0.2)
    assert spy == [], "the forged event never reached the services' account"


async def test_a_partner_cannot_reach_the_key_bucket(connect_as: Connect) -> None:
    partner, _ = await connect_as("partner-daugavpils-erp")
    with pytest.raises((NotFoundError, nats.errors.Error, TimeoutError)):
        await partner.jetstream(timeout=1).key_value(KEY_BUCKET)


async def test_a_service_publishes_only_its_own_subjects(
    connect_as: Connect, nats_client: NatsClient
) -> None:
    intake, errors = await connect_as("intake")
    spy: list[Msg] = []

    async def keep(msg: Msg) -> None:
        spy.append(msg)

    await nats_client.subscribe("asist.daugavpils.>", cb=keep)
    await nats_client.flush()
    await intake.publish("asist.daugavpils.intake.ApplicationSubmitted", b"own")
    await intake.publish("asist.daugavpils.decisions.HoursGranted", b"not its own")
    # NATS keeps one connection's messages in order: once this marker has reached the spy,
    # so would have anything published before it. (A fixed 0.2 s wait failed under load.)
    await intake.publish("asist.daugavpils.intake.Marker", b"after")
    await intake.flush()
    assert await refused(errors, 'Publish to "asist.daugavpils.decisions.HoursGranted"')
    for _ in range(100):
        if spy and spy[-1].subject.endswith(".Marker"):
            break
        await asyncio.sleep(0.05)
    assert [m.subject for m in spy] == [
        "asist.daugavpils.intake.ApplicationSubmitted",
        "asist.daugavpils.intake.Marker",
    ]
    reporting, errors = await connect_as("reporting")
    await reporting.publish("asist.daugavpils.decisions.HoursGranted", b"ministry")
    await reporting.flush()
    assert await refused(errors, "Publish to"), "the ministry's consumer publishes no event"


async def test_a_wrong_password_is_refused(stack: Servers) -> None:
    if not stack.nats_passwords:
        pytest.skip("NATS named by the environment")
    with pytest.raises(Exception, match=r"(?i)authorization"):
        await nats.connect(
            stack.nats_url,
            user="partner-statistics",
            password="guessed",
            max_reconnect_attempts=0,
            allow_reconnect=False,
            connect_timeout=2,
        )


async def test_the_partner_example_receives_ciphertext_with_its_own_credentials(
    stack: Servers, nats_client: NatsClient
) -> None:
    """examples/01_subscribe.py, run as partner-statistics, prints an event; no clear person."""
    if not stack.nats_passwords:
        pytest.skip("NATS named by the environment")
    env = {
        **os.environ,
        "ASIST_NATS_USER": "partner-statistics",
        "ASIST_NATS_PASSWORD": stack.nats_passwords["partner-statistics"],
    }
    example = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "examples" / "01_subscribe.py"),
        stack.nats_url,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    body = probe_envelope("0190f5a2-0000-7000-8000-0000000000ee").to_json()
    try:
        line = b""
        for _ in range(100):  # until the example has subscribed and printed
            await nats_client.publish("asist.ludza.decisions.HoursGranted", body)
            with contextlib.suppress(TimeoutError):
                assert example.stdout is not None
                line = await asyncio.wait_for(example.stdout.readline(), 0.2)
                break
        assert line.startswith(b"lv.asist.decisions.HoursGranted.v1 ludza"), line
        assert b"enc:v1:" in line and b"12038512342" not in line
    finally:
        example.kill()
        await example.wait()


def probe_envelope(case_id: str) -> Envelope:
    """A HoursGranted as the relay publishes it: the personal code sealed."""
    return Envelope(
        specversion="1.0",
        id=new_event_id(),
        source="/asist/ludza/decisions",
        type="lv.asist.decisions.HoursGranted.v1",
        subject=f"case-{case_id}",
        time=utc_now(),
        data={"case_id": case_id, "hours": "22", "personal_code": "enc:v1:" + "a" * 32 + ":AAAA"},
        municipality="ludza",
        aggregateversion=3,
        correlationid="c",
    )


async def test_without_credentials_nobody_connects(stack: Servers) -> None:
    if not stack.nats_passwords:
        pytest.skip("NATS named by the environment")
    with pytest.raises(Exception, match=r"(?i)authorization"):
        await nats.connect(
            stack.nats_url, max_reconnect_attempts=0, allow_reconnect=False, connect_timeout=2
        )


async def test_the_ministrys_consumer_reads_no_key_and_no_service_deletes_the_bucket(
    connect_as: Connect, js: JetStreamContext
) -> None:
    await open_key_bucket(js)  # as every service with keys makes it
    reporting, errors = await connect_as("reporting")
    with pytest.raises(Exception):  # noqa: B017  (the server's refusal surfaces as a timeout)
        kv = await reporting.jetstream(timeout=1).key_value(KEY_BUCKET)
        await kv.get("k.anything")
    assert await refused(errors, "KV_ASIST_KEYS") or await refused(errors, "$KV.ASIST_KEYS")
    decisions, errors = await connect_as("decisions")
    with pytest.raises(Exception):  # noqa: B017
        await decisions.jetstream(timeout=1).delete_key_value(KEY_BUCKET)
    assert await refused(errors, "STREAM.DELETE.KV_ASIST_KEYS")
    assert (await js.stream_info(f"KV_{KEY_BUCKET}")).config.name == f"KV_{KEY_BUCKET}"


async def test_a_service_reads_no_stream_it_does_not_consume(
    connect_as: Connect, js: JetStreamContext
) -> None:
    """intake consumes only decisions (its erasures): a consumer on PAYMENTS is refused."""
    await ensure_service_stream(js, "payments")
    intake, errors = await connect_as("intake")
    with pytest.raises(Exception):  # noqa: B017  (the refusal surfaces as a timeout)
        await intake.jetstream(timeout=1).pull_subscribe(
            "asist.*.payments.>", durable="snoop", stream="PAYMENTS"
        )
    assert await refused(errors, "CONSUMER.CREATE.PAYMENTS")
