"""architecture.md §4: the timesheets domain imports no database, bus or web framework."""

from __future__ import annotations

import ast
from pathlib import Path

import services.timesheets.domain
import services.timesheets.grants.windows

FORBIDDEN = {"asyncpg", "fastapi", "faststream", "nats", "starlette", "httpx", "zoneinfo"}
FORBIDDEN_CALLS = {"today", "now", "utcnow", "open", "print"}


def test_the_domain_imports_no_infrastructure_and_reads_no_clock() -> None:
    folder = Path(services.timesheets.domain.__file__).parent
    files = [*folder.glob("*.py"), Path(services.timesheets.grants.windows.__file__)]
    assert len(files) >= 6
    for path in files:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                roots = {node.module.split(".")[0]}
            else:
                roots = set()
            assert not roots & FORBIDDEN, f"{path.name} imports {roots & FORBIDDEN}"
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert called not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {called}"
