"""`./asist up`'s data folder and ports: options, their environment variables, bad values.

A second stack beside the default one (deploy/README.md) depends on these; the run
itself is tested in tests/e2e/test_asist_up.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import deploy.main
from deploy.main import Ports, main, service_ports_option
from deploy.stack import DEFAULT_DATA_DIR, default_data_dir

VARIABLES = (
    "ASIST_DATA_DIR",
    "ASIST_NATS_PORT",
    "ASIST_NATS_MONITOR_PORT",
    "ASIST_PG_PORT",
    "ASIST_SERVICE_PORTS",
)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, Ports]]:
    """What `up` was called with; nothing starts."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    seen: list[tuple[Path, Ports]] = []

    def fake_up(
        data_dir: Path, keep_running: bool, ports: Ports | None = None, *, stack_only: bool = False
    ) -> None:
        seen.append((data_dir, ports or Ports()))

    monkeypatch.setattr(deploy.main, "up", fake_up)
    return seen


def test_without_options_or_variables_the_defaults_apply(
    calls: list[tuple[Path, Ports]],
) -> None:
    assert main(["up"]) == 0
    assert calls == [(DEFAULT_DATA_DIR, Ports())]


def test_variables_name_another_folder_and_ports(
    calls: list[tuple[Path, Ports]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ASIST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASIST_NATS_PORT", "24222")
    monkeypatch.setenv("ASIST_NATS_MONITOR_PORT", "0")
    monkeypatch.setenv("ASIST_PG_PORT", "25432")
    monkeypatch.setenv("ASIST_SERVICE_PORTS", "intake=9101, decisions=9102")

    assert main(["up"]) == 0
    assert calls == [(tmp_path, Ports(24222, 0, 25432, {"intake": 9101, "decisions": 9102}))]
    assert default_data_dir() == tmp_path  # what `./asist status` and `down` use


def test_an_option_wins_over_its_variable(
    calls: list[tuple[Path, Ports]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASIST_PG_PORT", "25432")
    assert main(["up", "--pg-port", "35432", "--service-ports", "reporting=9105"]) == 0
    assert calls[0][1] == Ports(postgres=35432, services={"reporting": 9105})


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("ASIST_PG_PORT", "abc", "'abc' is not a port number"),
        ("ASIST_NATS_PORT", "70000", "70000 is not a port"),
        ("ASIST_SERVICE_PORTS", "intake", "'intake': expected name=port"),
        ("ASIST_SERVICE_PORTS", "billing=9101", "'billing=9101': expected name=port"),
        ("ASIST_SERVICE_PORTS", "intake=0", "a service needs a fixed port"),
    ],
)
def test_a_bad_value_is_refused_before_anything_starts(
    calls: list[tuple[Path, Ports]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    says: str,
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as exit_:
        main(["up"])
    assert exit_.value.code == 2
    assert says in capsys.readouterr().err
    assert calls == []


def test_service_ports_ignore_empty_items() -> None:
    assert service_ports_option("intake=9101,,payments=9104,") == {
        "intake": 9101,
        "payments": 9104,
    }
