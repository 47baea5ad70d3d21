"""architecture.md §4: the decisions domain imports no database, bus or web framework."""

from __future__ import annotations

import ast
from pathlib import Path

import services.decisions

PURE_MODULES = [
    "domain.py",
    "case/commands.py",
    "case/decide.py",
    "case/grants.py",
    "case/state.py",
    "assistant/domain.py",
    "case/grant_terms.py",
    "case/hearing.py",
    "case/after_signature.py",
    "documents/hearing.py",
    "documents/model.py",
    "documents/facts.py",
    "documents/adults.py",
    "documents/latvian.py",
    "documents/issued.py",
]
FORBIDDEN = {"asyncpg", "fastapi", "faststream", "nats", "starlette", "httpx", "zoneinfo"}
FORBIDDEN_CALLS = {"today", "now", "utcnow", "open", "print"}


def test_the_domain_modules_import_no_infrastructure_and_read_no_clock() -> None:
    folder = Path(services.decisions.__file__).parent
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
