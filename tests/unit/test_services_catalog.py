"""The one list of services (shared/services_catalog.py, issue #8) and everything that must
agree with it: what is derived from it is checked to be, what stays literal (compose YAML,
reporting's upstreams) is checked against it."""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import deploy.services
from deploy.nats_accounts import CONSUMES, STREAMS, password_variable, users
from services.reporting.consumers import UPSTREAMS
from shared.services_catalog import CATALOG, SERVICE_NAMES, SERVICE_PORTS, service
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "deploy" / "docker-entrypoint.sh"


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def test_the_list_is_consistent() -> None:
    assert len(set(SERVICE_NAMES)) == len(CATALOG), "a name twice"
    assert len(set(SERVICE_PORTS.values())) == len(CATALOG), "a port twice"
    for entry in CATALOG:
        assert set(entry.consumes) <= set(SERVICE_NAMES) - {entry.name}, entry.name
        for upstream in entry.consumes:
            assert service(upstream).publishes, f"{entry.name} consumes {upstream}: no stream"


def test_an_unknown_name_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="unknown service 'billing'; known: intake, decisions"):
        service("billing")


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.name)
def test_each_entry_names_a_runnable_module_and_its_migrations(entry: Any) -> None:
    assert importlib.util.find_spec(f"{entry.module}.__main__") is not None
    assert (ROOT / entry.migrations).is_dir()
    assert sorted((ROOT / entry.migrations).glob("*.sql")), f"no migration in {entry.migrations}"


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.name)
def test_each_service_declares_itself_as_the_list_says(entry: Any) -> None:
    definition = importlib.import_module(f"{entry.module}.app").DEFINITION
    assert definition.name == entry.name
    assert definition.publishes == entry.publishes
    assert Path(definition.migrations).resolve() == (ROOT / entry.migrations).resolve()


def test_settings_and_the_local_stack_take_their_ports_and_names_from_the_list() -> None:
    settings = Settings(http_port=None)
    assert {name: settings.port_for(name) for name in SERVICE_NAMES} == SERVICE_PORTS
    assert deploy.services.SERVICE_NAMES == SERVICE_NAMES
    assert deploy.services.DEFAULT_PORTS == SERVICE_PORTS


def test_nats_users_and_permissions_follow_the_list() -> None:
    assert {entry.name: entry.consumes for entry in CATALOG} == CONSUMES
    assert {e.name: e.name.upper() for e in CATALOG if e.publishes} == STREAMS
    assert set(SERVICE_NAMES) <= set(users())


def test_reporting_consumes_exactly_its_upstreams_of_the_list() -> None:
    # services/reporting/consumers.py keeps its own tuple (a service imports no deploy
    # list); this is where the two must agree.
    assert tuple(UPSTREAMS) == service("reporting").consumes


def test_compose_runs_every_service_of_the_list_and_nothing_else() -> None:
    services = load(ROOT / "docker-compose.yml")["services"]
    assert [name for name in services if name not in ("nats", "postgres")] == list(SERVICE_NAMES)
    nats_env = services["nats"]["environment"]
    for name, port in SERVICE_PORTS.items():
        env = services[name]["environment"]
        assert services[name]["command"] == [name]
        assert env["ASIST_HTTP_PORT"] == str(port)
        assert env["ASIST_NATS_USER"] == name
        assert env["ASIST_NATS_PASSWORD"].startswith(f"${{{password_variable(name)}:?")
        assert password_variable(name) in nats_env


def test_the_cluster_overlay_covers_every_service_and_nats_user() -> None:
    overlay = load(ROOT / "deploy" / "nats" / "docker-compose.cluster.yml")
    services = overlay["services"]
    assert [n for n in services if n not in ("nats", "nats-2", "nats-3")] == list(SERVICE_NAMES)
    node_env = overlay["x-nats-node"]["environment"]
    assert set(node_env) == {password_variable(user) for user in users()}


def run_entrypoint(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The container's entry point with a stand-in ``python`` that reports ``-m`` instead of
    starting a service (the catalog look-up runs the real one)."""
    real = sys.executable
    stub = tmp_path / "python"
    stub.write_text(
        f'#!/bin/sh\nif [ "$1" = "-m" ]; then echo "would run $2"; exit 0; fi\nexec {real} "$@"\n'
    )
    stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    env.pop("ASIST_SERVICE", None)
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args], capture_output=True, text=True, env=env, check=False
    )


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_the_entrypoint_runs_every_service_of_the_list(name: str, tmp_path: Path) -> None:
    result = run_entrypoint(name, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"would run services.{name}"


def test_the_entrypoint_without_a_service_names_the_known_ones(tmp_path: Path) -> None:
    result = run_entrypoint(tmp_path=tmp_path)
    assert result.returncode == 2
    assert " ".join(SERVICE_NAMES) in result.stderr


def test_the_entrypoint_runs_anything_else_as_a_command(tmp_path: Path) -> None:
    result = run_entrypoint("echo", "hello", tmp_path=tmp_path)
    assert (result.returncode, result.stdout) == (0, "hello\n")
