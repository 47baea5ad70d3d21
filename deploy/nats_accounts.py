"""Who may do what on NATS: accounts, users and permissions (issues #9 and #18).

One table here is the source of ``deploy/nats/accounts.conf`` (compose, the cluster) and of
the config the local stack and the tests write (passwords filled in). Regenerate the file
with ``.venv/bin/python -m deploy.nats_accounts``; a test fails when they drift.

- Account ``ASIST`` (JetStream, the services): each service publishes only its own
  subjects ``asist.*.<service>.>`` and its dead letters, plus the JetStream API it needs;
  it fetches only from the streams it consumes. ``reporting`` (the ministry's reporting
  consumer) publishes no event at all. ``asist`` is the operator's tool user (stack,
  demo, tests, benchmarks, migrations). The key bucket ``ASIST_KEYS`` lives here, so no
  user of another account can read a data key.
- One account per partner (``PARTNER_<NAME>``, issue #18 point 5), its only user the
  partner. It imports the events of its agreement (live subscriptions, nothing else), and
  for each of its durables exactly four JetStream subjects as services: the durable's
  info, fetch (``MSG.NEXT``, a stream of responses), ack (``$JS.ACK.<stream>.<durable>.>``)
  and delete, the API ones under ``ASIST.API`` (``API_PREFIX``). Publishing anything
  else, an event included, is refused.

The partners' durables live in ``ASIST`` (a consumer lives with its stream) and are made
by the operator from ``Partner.durables`` (``python -m deploy.partner_durables``), named
``<partner>-<name>``, filtered to subjects inside the agreement (checked here), pull,
explicit ack. Why not let a partner create its own, with the filtered create subject
``$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>`` that permissions can pin to its
agreement, and why not partner users inside ``ASIST``: both were built and tried against
nats-server 2.15.1, and both let a partner write into the services' streams.

- A create request carries the whole consumer config; a ``deliver_subject`` makes a push
  consumer, and nats-server publishes its messages on that subject in ``ASIST`` as soon
  as something there is interested, and a stream listening on it stores them: a durable on
  DECISIONS pushed into ``asist.daugavpils.intake.ApplicationSubmitted`` landed in
  INTAKE. Permissions see subjects, never the config, so a partner creates no consumer.
- A JetStream API request's reply subject is the requester's choice and is not checked
  against its permissions: a partner user in ``ASIST`` allowed only its durable's info
  sent that request with the reply ``asist.daugavpils.payments.Forged``, and the info
  landed in PAYMENTS. Through a service import the reply is replaced by a private
  ``_R_`` subject and the answer comes back in the partner's own account, where no stream
  and no other partner listens: one account per partner, so a partner cannot aim an
  answer at another partner's subscriptions either.
"""

from __future__ import annotations

import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from shared.services_catalog import CATALOG

CONF_PATH = Path(__file__).resolve().parent / "nats" / "accounts.conf"

SERVICE_ACCOUNT = "ASIST"
TOOL_USER = "asist"
# Streams and "consumes" (architecture.md §2) from the one list of services
# (shared/services_catalog.py): intake also reads decisions for erasures (issue #9).
STREAMS: dict[str, str] = {s.name: s.stream for s in CATALOG if s.stream is not None}
CONSUMES: dict[str, tuple[str, ...]] = {s.name: s.consumes for s in CATALOG}


@dataclass(frozen=True)
class Partner:
    """A partner's agreement: the subjects it may read, and its durables: name (the
    durable is ``<partner>-<name>``) -> the subjects it filters, each inside ``subjects``
    and all on one stream."""

    subjects: tuple[str, ...]
    durables: dict[str, tuple[str, ...]]


# Partners, the subjects they are entitled to and their durables. Examples for the local
# stack; a municipality lists its own agreements here.
PARTNERS: dict[str, Partner] = {
    # A municipal ERP: its own municipality's decisions and payments.
    "partner-daugavpils-erp": Partner(
        subjects=("asist.daugavpils.decisions.>", "asist.daugavpils.payments.>"),
        durables={
            "decisions": ("asist.daugavpils.decisions.>",),
            "payments": ("asist.daugavpils.payments.>",),
        },
    ),
    # A statistics office: decisions of every municipality, nothing from intake.
    "partner-statistics": Partner(
        subjects=(
            "asist.*.decisions.HoursGranted",
            "asist.*.decisions.ApplicationRefused",
            "asist.*.decisions.ServiceTerminated",
        ),
        durables={
            "decisions": (
                "asist.*.decisions.HoursGranted",
                "asist.*.decisions.ApplicationRefused",
                "asist.*.decisions.ServiceTerminated",
            ),
        },
    ),
}


@dataclass(frozen=True)
class Durable:
    """One partner durable as the operator creates it."""

    partner: str
    name: str
    stream: str
    filters: tuple[str, ...]


def partner_account(partner: str) -> str:
    """``partner-daugavpils-erp`` -> ``PARTNER_DAUGAVPILS_ERP``."""
    return re.sub(r"[^A-Z0-9]", "_", partner.upper())


def stream_of(subject: str) -> str:
    """The stream holding ``subject`` (``asist.<municipality>.<service>.…``)."""
    tokens = subject.split(".")
    if len(tokens) < 3 or tokens[0] != "asist" or tokens[2] not in STREAMS:
        raise ValueError(f"{subject}: not asist.<municipality>.<service>.… of a stream")
    return STREAMS[tokens[2]]


def within(subject: str, entitled: str) -> bool:
    """Whether every subject ``subject`` matches is matched by ``entitled`` (both may hold
    wildcards): a durable's filter must not reach outside the agreement."""
    mine, allowed = subject.split("."), entitled.split(".")
    for index, token in enumerate(allowed):
        if token == ">":
            return len(mine) > index
        if index >= len(mine) or mine[index] == ">":
            return False
        if token != "*" and token != mine[index]:
            return False
    return len(mine) == len(allowed)


def partner_durables(partner: str) -> list[Durable]:
    """The durables of ``partner``; ValueError when one reaches outside its agreement."""
    agreement = PARTNERS[partner]
    durables = []
    for name, filters in agreement.durables.items():
        outside = [f for f in filters if not any(within(f, s) for s in agreement.subjects)]
        if outside or not filters:
            raise ValueError(
                f"{partner}-{name}: filters {outside or filters} outside its agreement"
            )
        streams = {stream_of(f) for f in filters}
        if len(streams) != 1:
            raise ValueError(f"{partner}-{name}: filters on several streams {sorted(streams)}")
        durables.append(Durable(partner, f"{partner}-{name}", streams.pop(), filters))
    return durables


# Where a partner's account maps the services' JetStream API: every account has its own
# ``$JS.API.>`` (answered "JetStream not enabled" in a partner's account, and that answer
# would race the imported one), so a partner's client uses ``nc.jetstream(prefix=API_PREFIX)``.
API_PREFIX = "ASIST.API"


@dataclass(frozen=True)
class DurableSubject:
    """One JetStream subject a partner may use on its durable, in ``ASIST`` and as the
    partner's account sees it; ``streamed``: answered by several messages (a fetch)."""

    exported: str
    imported: str
    streamed: bool = False


def durable_subjects(durable: Durable) -> list[DurableSubject]:
    """Info, fetch, ack, delete of ``durable``: nothing else of the JetStream API."""
    stream, name = durable.stream, durable.name

    def api(action: str, streamed: bool = False) -> DurableSubject:
        tail = f"CONSUMER.{action}.{stream}.{name}"
        return DurableSubject(f"$JS.API.{tail}", f"{API_PREFIX}.{tail}", streamed)

    # Acks go to the reply subject of each message, $JS.ACK.<stream>.<durable>.<…>.
    ack = f"$JS.ACK.{stream}.{name}.>"
    return [api("INFO"), api("MSG.NEXT", True), DurableSubject(ack, ack), api("DELETE")]


# What every service client needs besides its own subjects: the JetStream API (streams,
# consumers, the key bucket), acks and flow control, replies to its own requests.
_SERVICE_PUBLISH = ("$JS.API.>", "$JS.ACK.>", "$JS.FC.>", "$KV.ASIST_KEYS.>")
_SERVICE_SUBSCRIBE = ("_INBOX.>",)
# Only the operator may delete or purge the key bucket (that would erase everybody).
_NO_SERVICE_MAY = (
    "$JS.API.STREAM.DELETE.KV_ASIST_KEYS",
    "$JS.API.STREAM.PURGE.KV_ASIST_KEYS",
    "$JS.API.STREAM.UPDATE.KV_ASIST_KEYS",
)
# The ministry's reporting consumer sees no person: no read of the key bucket at all.
_NO_KEYS = (
    "$KV.ASIST_KEYS.>",
    "$JS.API.DIRECT.GET.KV_ASIST_KEYS.>",
    "$JS.API.STREAM.MSG.GET.KV_ASIST_KEYS",
    "$JS.API.CONSUMER.CREATE.KV_ASIST_KEYS",
    "$JS.API.CONSUMER.CREATE.KV_ASIST_KEYS.>",
    "$JS.API.CONSUMER.DURABLE.CREATE.KV_ASIST_KEYS.>",
    "$JS.API.CONSUMER.MSG.NEXT.KV_ASIST_KEYS.>",
)
WITHOUT_KEYS = ("reporting",)


def users() -> list[str]:
    """Every user of the config: the tool user, the services, the partners."""
    return [TOOL_USER, *CONSUMES, *PARTNERS]


def password_variable(user: str) -> str:
    return "ASIST_NATS_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", user.upper())


def generate_password() -> str:
    """192 random bits. A letter then hex digits only: nats-server parses a variable's value
    as a config value, so one starting with a digit or "-" would read as a number."""
    return "p" + secrets.token_hex(24)


def generate_passwords() -> dict[str, str]:
    return {user: generate_password() for user in users()}


def _list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def _service_user(service: str) -> str:
    publish = [*_SERVICE_PUBLISH, f"asistdlq.{service}.>"]
    if service in STREAMS:
        publish.insert(0, f"asist.*.{service}.>")
    # Reading a stream it does not consume is refused: no consumer on it (pull or push),
    # no fetch, no direct read of a message.
    others = [stream for name, stream in STREAMS.items() if name not in CONSUMES[service]]
    if service in STREAMS:
        others.remove(STREAMS[service])  # its own stream: the relay and tests read it
    deny = [
        subject
        for stream in others
        for subject in (
            f"$JS.API.CONSUMER.CREATE.{stream}",
            f"$JS.API.CONSUMER.CREATE.{stream}.>",
            f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.>",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.>",
            f"$JS.API.STREAM.MSG.GET.{stream}",
            f"$JS.API.DIRECT.GET.{stream}.>",
        )
    ]
    deny += _NO_SERVICE_MAY
    if service in WITHOUT_KEYS:
        publish.remove("$KV.ASIST_KEYS.>")
        deny += _NO_KEYS
    return (
        f"      {{ user: {service}, password: ${password_variable(service)},\n"
        f"        permissions: {{\n"
        f"          publish: {{ allow: {_list(publish)},\n"
        f"                     deny: {_list(deny)} }}\n"
        f"          subscribe: {{ allow: {_list(_SERVICE_SUBSCRIBE)} }}\n"
        f"        }} }}\n"
    )


def _partner_exports(partner: str) -> str:
    """What ``ASIST`` exports to this partner's account only: its durables' subjects."""
    account = partner_account(partner)
    lines = ""
    for durable in partner_durables(partner):
        for subject in durable_subjects(durable):
            response = ", response_type: stream" if subject.streamed else ""
            lines += f'      {{ service: "{subject.exported}"{response}, accounts: [{account}] }}\n'
    return lines


def _partner_account(partner: str) -> str:
    agreement = PARTNERS[partner]
    api = [s for d in partner_durables(partner) for s in durable_subjects(d)]
    imports = [
        *(
            f'{{ stream: {{ account: {SERVICE_ACCOUNT}, subject: "{s}" }} }}'
            for s in agreement.subjects
        ),
        *(
            f'{{ service: {{ account: {SERVICE_ACCOUNT}, subject: "{s.exported}" }},'
            f' to: "{s.imported}" }}'
            for s in api
        ),
    ]
    return (
        f"  {partner_account(partner)} {{\n"
        f"    imports: [\n" + "".join(f"      {line}\n" for line in imports) + f"    ]\n"
        f"    users: [\n"
        f"      {{ user: {partner}, password: ${password_variable(partner)},\n"
        f"        permissions: {{\n"
        f"          publish: {{ allow: {_list([s.imported for s in api])} }}\n"
        f"          subscribe: {{ allow: {_list([*agreement.subjects, '_INBOX.>'])} }}\n"
        f"        }} }}\n"
        f"    ]\n"
        f"  }}\n"
    )


def accounts_conf() -> str:
    """The accounts block: passwords are ``$ASIST_NATS_PASSWORD_<USER>`` references."""
    lines = [
        "# Generated by `python -m deploy.nats_accounts` from deploy/nats_accounts.py: edit it",
        "# there. Passwords come from the environment (ASIST_NATS_PASSWORD_<USER>); nats-server",
        "# refuses to start when one is missing. Included by every server config.",
        "accounts {",
        f"  {SERVICE_ACCOUNT} {{",
        "    jetstream: enabled",
        "    users: [",
        f"      {{ user: {TOOL_USER}, password: ${password_variable(TOOL_USER)} }}\n",
    ]
    lines[-1] = lines[-1].rstrip("\n")
    body = "\n".join(lines) + "\n" + "".join(_service_user(s) for s in CONSUMES)
    body += "    ]\n"
    body += "    # Partners receive the events of their agreement (their import says which)\n"
    body += "    # and reach their own durables, nothing else of JetStream or the key bucket.\n"
    body += "    exports: [\n"
    body += '      { stream: "asist.>" }\n'
    body += "".join(_partner_exports(p) for p in PARTNERS)
    body += "    ]\n  }\n"
    body += "".join(_partner_account(p) for p in PARTNERS)
    body += "}\n"
    return body


def with_passwords(conf: str, passwords: dict[str, str]) -> str:
    """``conf`` with every password reference replaced by its quoted value."""
    by_variable = {password_variable(user): password for user, password in passwords.items()}

    def fill(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable not in by_variable:
            raise ValueError(f"no password for {variable}")
        return f'"{by_variable[variable]}"'

    return re.sub(r"\$(ASIST_NATS_PASSWORD_[A-Z0-9_]+)", fill, conf)


def env_file() -> str:
    """Fresh secrets for compose's ``.env``: every NATS password and ASIST_MASTER_KEY."""
    from shared.privacy.cipher import generate_master_key

    lines = [f"{password_variable(u)}={p}" for u, p in generate_passwords().items()]
    return "\n".join([*lines, f"ASIST_MASTER_KEY={generate_master_key()}"]) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--env"]:
        sys.stdout.write(env_file())
        return 0
    CONF_PATH.write_text(accounts_conf())
    print(f"wrote {CONF_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
