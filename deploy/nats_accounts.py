"""Who may do what on NATS: accounts, users and permissions (issue #9, architecture.md §9).

One table here is the source of ``deploy/nats/accounts.conf`` (compose, the cluster) and of
the config the local stack and the tests write (passwords filled in). Regenerate the file
with ``.venv/bin/python -m deploy.nats_accounts``; a test fails when they drift.

- Account ``ASIST`` (JetStream, the services): each service publishes only its own
  subjects ``asist.*.<service>.>`` and its dead letters, plus the JetStream API it needs;
  it fetches only from the streams it consumes. ``reporting`` (the ministry's reporting
  consumer) publishes no event at all. ``asist`` is the operator's tool user (stack,
  demo, tests, benchmarks, migrations). The key bucket ``ASIST_KEYS`` lives here, so no
  user of another account can read a data key.
- Account ``PARTNERS``: the events, imported from ``ASIST``; each partner user may only
  subscribe, and only to the subjects it is entitled to; publishing anything is refused.
"""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

from shared.services_catalog import CATALOG

CONF_PATH = Path(__file__).resolve().parent / "nats" / "accounts.conf"

SERVICE_ACCOUNT = "ASIST"
PARTNER_ACCOUNT = "PARTNERS"
TOOL_USER = "asist"
# Streams and "consumes" (architecture.md §2) from the one list of services
# (shared/services_catalog.py): intake also reads decisions for erasures (issue #9).
STREAMS: dict[str, str] = {s.name: s.stream for s in CATALOG if s.stream is not None}
CONSUMES: dict[str, tuple[str, ...]] = {s.name: s.consumes for s in CATALOG}

# Partners and the subjects they are entitled to (subscribe only). Examples for the local
# stack; a municipality lists its own agreements here.
PARTNERS: dict[str, tuple[str, ...]] = {
    # A municipal ERP: its own municipality's decisions and payments.
    "partner-daugavpils-erp": ("asist.daugavpils.decisions.>", "asist.daugavpils.payments.>"),
    # A statistics office: decisions of every municipality, nothing from intake.
    "partner-statistics": (
        "asist.*.decisions.HoursGranted",
        "asist.*.decisions.ApplicationRefused",
        "asist.*.decisions.ServiceTerminated",
    ),
}

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
    body += "    # Partners receive the events (never the key bucket or the JetStream API).\n"
    body += '    exports: [ { stream: "asist.>" } ]\n'
    body += "  }\n"
    body += f"  {PARTNER_ACCOUNT} {{\n"
    body += f'    imports: [ {{ stream: {{ account: {SERVICE_ACCOUNT}, subject: "asist.>" }} }} ]\n'
    body += "    users: [\n"
    for partner, subjects in PARTNERS.items():
        body += (
            f"      {{ user: {partner}, password: ${password_variable(partner)},\n"
            f'        permissions: {{ publish: {{ deny: [">"] }},'
            f" subscribe: {{ allow: {_list(subjects)} }} }} }}\n"
        )
    body += "    ]\n  }\n}\n"
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
