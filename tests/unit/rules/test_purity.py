"""architecture.md §4: the rules are pure: no I/O, no clock, no framework imports."""

import ast
import sys
from pathlib import Path

import shared.rules

RULES_DIR = Path(shared.rules.__file__).parent
ALLOWED_THIRD_PARTY = {"pydantic", "stdnum", "holidays", "shared"}
FORBIDDEN_STDLIB = {"os", "io", "socket", "subprocess", "pathlib", "random", "time", "zoneinfo"}
FORBIDDEN_CALLS = {"today", "now", "utcnow", "open", "print", "input"}


def modules() -> list[Path]:
    return sorted(RULES_DIR.glob("*.py"))


def imported_roots(tree: ast.AST) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_rules_import_only_pydantic_stdlib_stdnum_and_holidays() -> None:
    for path in modules():
        roots = imported_roots(ast.parse(path.read_text()))
        third_party = roots - set(sys.stdlib_module_names)
        assert third_party <= ALLOWED_THIRD_PARTY, path.name
        assert not roots & FORBIDDEN_STDLIB, path.name


def test_rules_read_no_clock_and_do_no_io() -> None:
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert name not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {name}"


def test_rule_modules_stay_small() -> None:
    for path in modules():
        assert len(path.read_text().splitlines()) <= 200, path.name


def test_every_rule_module_cites_rules_md() -> None:
    for path in modules():
        if path.name not in {"errors.py", "__init__.py"}:
            assert "rules.md §" in path.read_text(), path.name
