"""architecture.md §4: the payments domain imports no database, bus or web framework."""

from __future__ import annotations

import ast
from pathlib import Path

import services.payments

PURE_MODULES = ["domain.py", "pay.py", "run_domain.py", "bank_file.py", "bank_returns.py"]
FORBIDDEN = {"asyncpg", "fastapi", "faststream", "nats", "starlette", "httpx", "zoneinfo"}
FORBIDDEN_CALLS = {"today", "now", "utcnow", "print"}


def test_the_domain_modules_import_no_infrastructure_and_read_no_clock() -> None:
    folder = Path(services.payments.__file__).parent
    for name in PURE_MODULES:
        tree = ast.parse((folder / name).read_text())
        for node in ast.walk(tree):
            roots: set[str] = set()
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                roots = {node.module.split(".")[0]}
            assert not roots & FORBIDDEN, f"{name} imports {roots & FORBIDDEN}"
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert called not in FORBIDDEN_CALLS, f"{name}:{node.lineno} calls {called}"


def test_modules_stay_small() -> None:
    folder = Path(services.payments.__file__).parent
    for path in folder.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 320, path.name
