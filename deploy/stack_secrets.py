"""The local stack's secrets: a NATS password per user and ASIST_MASTER_KEY (issue #9).

Kept in ``<data dir>/secrets.json`` (mode 0600, never committed); ``nats.conf`` is written
from them at every NATS start (docs/privacy.md §1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deploy.nats_accounts import accounts_conf, generate_passwords, with_passwords
from deploy.processes import load_json_state

SECRETS_FILE = "secrets.json"


def load_secrets(data_dir: Path) -> dict[str, Any]:
    """NATS passwords and ASIST_MASTER_KEY of this folder, made on first use (mode 0600).

    Users added to deploy/nats_accounts.py later get a password at the next start.
    """
    from shared.privacy.cipher import generate_master_key

    path = data_dir / SECRETS_FILE
    secrets_ = load_json_state(path)
    passwords = secrets_.get("nats_passwords")
    passwords = passwords if isinstance(passwords, dict) else {}
    fresh = {**generate_passwords(), **passwords}
    if fresh != passwords or not secrets_.get("master_key"):
        secrets_ = {
            "nats_passwords": fresh,
            "master_key": secrets_.get("master_key") or generate_master_key(),
        }
        tmp = path.with_name(f"{path.name}.tmp")
        tmp.touch(mode=0o600)
        tmp.chmod(0o600)
        tmp.write_text(json.dumps(secrets_, indent=2) + "\n")
        tmp.replace(path)
    return secrets_


def write_nats_conf(data_dir: Path, passwords: dict[str, str]) -> Path:
    conf = data_dir / "nats.conf"
    conf.touch(mode=0o600)
    conf.chmod(0o600)
    conf.write_text(
        "# Written by deploy/stack_secrets.py at every start from deploy/nats_accounts.py.\n"
        + with_passwords(accounts_conf(), passwords)
    )
    return conf
