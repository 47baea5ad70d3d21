"""architecture.md §4: reporting's figures are pure: no database, bus, web or clock."""

from __future__ import annotations

import ast
from pathlib import Path

import services.reporting

PURE_MODULES = [
    "metrics.py",
    "facts.py",
    "contributions.py",
    "summary.py",
    "reconcile.py",
    "disclosure.py",
    "views.py",
    "exports.py",
]
FORBIDDEN = {"asyncpg", "fastapi", "faststream", "nats", "starlette", "httpx", "zoneinfo"}
FORBIDDEN_CALLS = {"today", "now", "utcnow", "open", "print", "riga_today"}


def test_the_figures_modules_import_no_infrastructure_and_read_no_clock() -> None:
    folder = Path(services.reporting.__file__).parent
    for name in PURE_MODULES:
        tree = ast.parse((folder / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                roots = {node.module.split(".")[0]}
            else:
                roots = set()
            assert not roots & FORBIDDEN, f"{name} imports {roots & FORBIDDEN}"
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert called not in FORBIDDEN_CALLS, f"{name}:{node.lineno} calls {called}"
