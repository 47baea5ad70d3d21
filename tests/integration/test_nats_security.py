"""Who may do what on NATS (issues #9, #18): the server's own accounts, users and permissions.

Partners subscribe only to the subjects they are entitled to and read only their own
durables (made by the operator, filtered inside their agreement), publish no event and
reach nothing else of JetStream; services may publish only their own subjects; nobody
outside the services' account reaches the key bucket. Every refusal here comes from
nats-server, not from our code.
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
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig
from nats.js.errors import NotFoundError

from deploy.nats_accounts import API_PREFIX
from deploy.partner_durables import durables, ensure_partner_durables
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


# Partners' durables (issue #18 point 5): history and at-least-once of their own, inside
# their agreement only; the operator makes them (deploy/partner_durables.py).

ERP = "partner-daugavpils-erp"
ERP_DURABLE = "partner-daugavpils-erp-decisions"
STATISTICS = "partner-statistics"


async def decision(js: JetStreamContext, municipality: str, event: str = "HoursGranted") -> str:
    """A decisions' event on the stream as the relay publishes it; returns its id."""
    event_id = new_event_id()
    await js.publish(
        f"asist.{municipality}.decisions.{event}",
        event_id.encode(),
        headers={"Nats-Msg-Id": event_id},
    )
    return event_id


async def _due(sub: JetStreamContext.PullSubscription, *, redelivered: bool) -> int:
    info = await sub.consumer_info()
    return (info.num_pending or 0) + ((info.num_ack_pending or 0) if redelivered else 0)


async def read(partner: NatsClient, durable: str, *, ack: bool = True) -> list[str]:
    """Everything ``durable`` has for ``partner`` now (acked unless ``ack`` is False)."""
    pjs = partner.jetstream(timeout=2, prefix=API_PREFIX)
    sub = await pjs.pull_subscribe_bind(durable, stream="DECISIONS")
    seen: list[str] = []
    try:
        # Only what is pending, so no pull request is left waiting on the server: one would
        # take the next event and hold it for the ack wait (see read_what_is_pending in
        # examples/02_replay.py); ending on a timed-out fetch made this test flaky.
        # On entry, a message due again after its ack wait counts too (it comes at once).
        while (pending := await _due(sub, redelivered=not seen)) > 0:
            for msg in await sub.fetch(min(10, pending), timeout=2):
                seen.append(msg.data.decode())
                if ack:
                    await msg.ack()
        await partner.flush()
    finally:
        await sub.unsubscribe()
    return seen


@pytest.mark.usefixtures("clean_bus")
async def test_a_partners_durable_gets_what_it_missed_while_away_at_least_once(
    connect_as: Connect, js: JetStreamContext
) -> None:
    await ensure_partner_durables(js, ack_wait=1.0)
    before = [await decision(js, "daugavpils") for _ in range(2)]
    await decision(js, "ludza")  # another municipality: never for this partner

    partner, errors = await connect_as(ERP)
    assert await read(partner, ERP_DURABLE) == before  # its history, from the first event
    await partner.close()

    away = [await decision(js, "daugavpils", "GrantAmended"), await decision(js, "daugavpils")]
    await decision(js, "ludza")
    partner, errors = await connect_as(ERP)
    assert await read(partner, ERP_DURABLE) == away  # exactly what it missed
    # Fetched but not acked (the partner fell over): delivered again after the ack wait.
    last = await decision(js, "daugavpils", "ServiceTerminated")
    assert await read(partner, ERP_DURABLE, ack=False) == [last]
    await asyncio.sleep(1.5)
    assert await read(partner, ERP_DURABLE) == [last]
    assert await read(partner, ERP_DURABLE) == []
    pjs = partner.jetstream(timeout=2, prefix=API_PREFIX)
    info = await pjs.consumer_info("DECISIONS", ERP_DURABLE)
    assert info.config.filter_subject == "asist.daugavpils.decisions.>"
    assert info.num_ack_pending == 0 and info.num_pending == 0
    assert errors == []
    # Its own durable, deleted when no longer needed (the operator's run makes it again).
    assert await pjs.delete_consumer("DECISIONS", ERP_DURABLE)
    await ensure_partner_durables(js)
    assert await read(partner, ERP_DURABLE) == [*before, *away, last]


async def forbidden(errors: list[Exception], what: str, attempt: Awaitable[object]) -> None:
    """``attempt`` fails and the server reports a permissions violation naming ``what``."""
    with pytest.raises((nats.errors.Error, TimeoutError)):
        await attempt
    assert await refused(errors, what), (what, [str(e) for e in errors])


@pytest.mark.usefixtures("clean_bus")
async def test_a_partner_reaches_nothing_of_jetstream_but_its_own_durables(
    connect_as: Connect, js: JetStreamContext
) -> None:
    """Every way out of the agreement through the JetStream API is refused by the server:
    no consumer of its own making (its filter or its deliver subject would be the
    partner's choice), nobody else's durable, no stream, no message by sequence, no key."""
    await ensure_partner_durables(js)
    await ensure_service_stream(js, "intake")
    await open_key_bucket(js)
    await decision(js, "ludza")
    service_durable = "payments-DECISIONS"  # as the payments service names its durable
    await js.add_consumer(
        "DECISIONS", ConsumerConfig(durable_name=service_durable, ack_policy=AckPolicy.EXPLICIT)
    )
    partner, errors = await connect_as(ERP)
    # Its account's own JetStream API (which has no JetStream) and the services' as imported.
    own_api, pjs = partner.jetstream(timeout=1), partner.jetstream(timeout=1, prefix=API_PREFIX)

    # Creating a consumer, even with its own name and its own filter.
    erp_filter = "asist.daugavpils.decisions.>"
    for js_, prefix in ((own_api, "$JS.API"), (pjs, API_PREFIX)):
        for wanted in (erp_filter, "asist.>", "asist.ludza.decisions.>"):
            config = ConsumerConfig(
                name=ERP_DURABLE, durable_name=ERP_DURABLE, filter_subject=wanted
            )
            create = f"{prefix}.CONSUMER.CREATE.DECISIONS.{ERP_DURABLE}.{wanted}"
            await forbidden(errors, create, js_.add_consumer("DECISIONS", config))
        create = f'"{prefix}.CONSUMER.CREATE.DECISIONS"'
        await forbidden(errors, create, js_.add_consumer("DECISIONS"))
    # Attaching to, or acking for, a service's or another partner's durable.
    for name in (service_durable, "partner-statistics-decisions"):
        await forbidden(errors, f"INFO.DECISIONS.{name}", pjs.consumer_info("DECISIONS", name))
        next_message = f"{API_PREFIX}.CONSUMER.MSG.NEXT.DECISIONS.{name}"
        await forbidden(errors, next_message, partner.request(next_message, b"1", timeout=1))
        await forbidden(errors, f"DELETE.DECISIONS.{name}", pjs.delete_consumer("DECISIONS", name))
    await partner.publish(f"$JS.ACK.DECISIONS.{service_durable}.1.1.1.0.0", b"+ACK")
    await partner.flush()
    assert await refused(errors, f"$JS.ACK.DECISIONS.{service_durable}")
    service = await js.consumer_info("DECISIONS", service_durable)
    assert service.num_pending == 1 and service.delivered.stream_seq == 0
    # No message by sequence, no stream information or change, no key bucket.
    for js_ in (own_api, pjs):
        await forbidden(errors, "STREAM.MSG.GET.DECISIONS", js_.get_msg("DECISIONS", 1))
        direct = js_.get_msg("DECISIONS", 1, direct=True)
        await forbidden(errors, "DIRECT.GET.DECISIONS", direct)
        await forbidden(errors, "STREAM.INFO.DECISIONS", js_.stream_info("DECISIONS"))
        await forbidden(errors, "STREAM.PURGE.DECISIONS", js_.purge_stream("DECISIONS"))
        await forbidden(errors, "STREAM.DELETE.DECISIONS", js_.delete_stream("DECISIONS"))
        await forbidden(
            errors,
            "STREAM.UPDATE.DECISIONS",
            js_.update_stream(StreamConfig(name="DECISIONS", subjects=["asist.>"])),
        )
        await forbidden(errors, f"KV_{KEY_BUCKET}", js_.key_value(KEY_BUCKET))
        kv_direct = js_.get_msg(f"KV_{KEY_BUCKET}", 1, direct=True)
        await forbidden(errors, f"DIRECT.GET.KV_{KEY_BUCKET}", kv_direct)
    # No event, not even on its own subjects.
    await forbidden(
        errors,
        'Publish to "asist.daugavpils.decisions.HoursGranted"',
        pjs.publish("asist.daugavpils.decisions.HoursGranted", b"forged"),
    )
    assert (await js.stream_info("DECISIONS")).state.messages == 1
    names = sorted(c.name or "" for c in await js.consumers_info("DECISIONS"))
    assert names == sorted([ERP_DURABLE, service_durable, "partner-statistics-decisions"])


@pytest.mark.usefixtures("clean_bus")
async def test_an_answer_aimed_at_a_stream_or_another_partner_goes_nowhere(
    connect_as: Connect, js: JetStreamContext
) -> None:
    """A request's reply subject is the requester's choice and the server does not check
    it: aimed at a service's stream, or at another partner's subscription, the answer of
    the partner's own durable stays in the partner's own account (deploy/nats_accounts.py)."""
    await ensure_partner_durables(js)
    await decision(js, "daugavpils")
    statistics, _ = await connect_as(STATISTICS)
    overheard: list[Msg] = []

    async def keep(msg: Msg) -> None:
        overheard.append(msg)

    await statistics.subscribe("asist.*.decisions.HoursGranted", cb=keep)
    await statistics.flush()
    partner, errors = await connect_as(ERP)
    for aim in ("asist.daugavpils.payments.Forged", "asist.ludza.decisions.HoursGranted"):
        await partner.publish(f"{API_PREFIX}.CONSUMER.INFO.DECISIONS.{ERP_DURABLE}", b"", reply=aim)
        await partner.publish(
            f"{API_PREFIX}.CONSUMER.MSG.NEXT.DECISIONS.{ERP_DURABLE}", b'{"batch": 1}', reply=aim
        )
    await partner.flush()
    await asyncio.sleep(1.0)
    assert errors == [] and overheard == []
    assert await count_messages(js, "PAYMENTS") == 0
    assert await count_messages(js, "DECISIONS") == 1


async def count_messages(js: JetStreamContext, stream: str) -> int:
    with contextlib.suppress(NotFoundError):
        return (await js.stream_info(stream)).state.messages
    return 0


@pytest.mark.usefixtures("clean_bus")
async def test_the_statistics_partner_reads_only_its_three_event_types(
    connect_as: Connect, js: JetStreamContext
) -> None:
    await ensure_partner_durables(js)
    granted = [await decision(js, m) for m in ("ludza", "daugavpils")]
    await decision(js, "ludza", "GrantAmended")
    refused_ = await decision(js, "daugavpils", "ApplicationRefused")
    await decision(js, "daugavpils", "ServiceSuspended")
    terminated = await decision(js, "ludza", "ServiceTerminated")
    statistics, errors = await connect_as(STATISTICS)
    assert await read(statistics, "partner-statistics-decisions") == [
        *granted,
        refused_,
        terminated,
    ]
    await forbidden(
        errors,
        f"{API_PREFIX}.CONSUMER.CREATE.DECISIONS.{STATISTICS}-decisions.asist.*.decisions.>",
        statistics.jetstream(timeout=1, prefix=API_PREFIX).add_consumer(
            "DECISIONS",
            ConsumerConfig(
                name=f"{STATISTICS}-decisions",
                durable_name=f"{STATISTICS}-decisions",
                filter_subject="asist.*.decisions.>",
            ),
        ),
    )
    # Not its durable: the ERP's, which reads every decision of Daugavpils. Its fetch is
    # refused (and so gets nothing back before the timeout).
    pjs = statistics.jetstream(timeout=1, prefix=API_PREFIX)
    other = await pjs.pull_subscribe_bind(ERP_DURABLE, stream="DECISIONS")
    with pytest.raises(nats.errors.TimeoutError):
        await other.fetch(10, timeout=0.5)
    await other.unsubscribe()
    assert await refused(errors, f"MSG.NEXT.DECISIONS.{ERP_DURABLE}")


@pytest.mark.usefixtures("clean_bus")
async def test_the_operator_makes_the_partners_durables_from_the_table(
    stack: Servers, js: JetStreamContext
) -> None:
    """``python -m deploy.partner_durables`` as the tool user: pull, explicit ack, from the
    first event, filtered as the table says; running it again changes nothing."""
    env = {
        **os.environ,
        "ASIST_NATS_URL": stack.nats_url,
        "ASIST_NATS_USER": stack.nats_user,
        "ASIST_NATS_PASSWORD": stack.nats_password,
    }
    expected = [f"durable {d.stream}/{d.name}" for d in durables()]
    for _ in range(2):
        run = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "deploy.partner_durables",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(run.communicate(), 60)
        assert run.returncode == 0, output
        assert output.decode().splitlines() == expected
    for durable in durables():
        config = (await js.consumer_info(durable.stream, durable.name)).config
        assert config.deliver_subject is None  # pull: nothing pushed anywhere
        assert config.ack_policy == AckPolicy.EXPLICIT and config.deliver_policy == "all"
        assert (config.filter_subjects or [config.filter_subject]) == list(durable.filters)
