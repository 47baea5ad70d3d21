"""`./asist down` and `status` go through the one command line of deploy/main.py (issue #8):
what each command calls, and refusals before anything is stopped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import deploy.main
from deploy.main import main


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, object]]:
    """What the commands were called with; nothing starts or stops."""
    monkeypatch.setenv("ASIST_DATA_DIR", str(tmp_path))
    seen: list[tuple[str, object]] = []
    monkeypatch.setattr(deploy.main, "down", lambda d, names=None: seen.append(("down", names)))
    monkeypatch.setattr(deploy.main, "status", lambda d: seen.append(("status", d)))
    monkeypatch.setattr(
        deploy.main,
        "up",
        lambda d, keep, ports=None, *, stack_only=False: seen.append(("up", stack_only)),
    )
    return seen


def test_down_stops_everything_or_only_the_named_services(
    calls: list[tuple[str, object]],
) -> None:
    assert main(["down"]) == 0
    assert main(["down", "--only", "intake, reporting"]) == 0
    assert calls == [("down", None), ("down", ["intake", "reporting"])]


def test_down_refuses_an_unknown_service_naming_the_known_ones(
    calls: list[tuple[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["down", "--only", "billing"])
    assert exit_.value.code == 2
    assert "unknown service(s) billing; known: intake, decisions" in capsys.readouterr().err
    assert calls == []


def test_status_reads_the_folder_of_the_environment(
    calls: list[tuple[str, object]], tmp_path: Path
) -> None:
    assert main(["status"]) == 0
    assert calls == [("status", tmp_path)]


def test_up_can_start_the_servers_only(calls: list[tuple[str, object]]) -> None:
    assert main(["up", "--stack-only"]) == 0
    assert main(["up"]) == 0
    assert calls == [("up", True), ("up", False)]


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2
    assert "up,down,status" in capsys.readouterr().err


def test_status_of_a_folder_with_nothing_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ASIST_NATS_URL", raising=False)
    assert main(["status", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "NATS        stopped" in out and "PostgreSQL  stopped" in out
    assert "intake      stopped" in out and "reporting   stopped" in out


def test_down_and_status_need_only_the_standard_library() -> None:
    """`./asist down` and `status` run before .venv exists (asist's any_python): everything
    deploy/main.py imports, the list of services included, is standard library only."""
    root = Path(__file__).resolve().parents[2]
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import deploy.main; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pydantic', 'asyncpg', 'nats', 'fastapi', 'httpx')))"
    )
    # -S: no site-packages, so a third-party import would fail here.
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe, str(root)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
