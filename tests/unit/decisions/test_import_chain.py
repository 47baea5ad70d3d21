"""The import graph inside decisions (issue #8): no circle, and a bounded longest chain.

The chain is counted in files, ``__main__`` included: ``a`` imports ``b`` imports ``c`` is
a chain of 3. Issue #8 asks for at most 6, which the layout reaches (the flat layout had
12): ``MOST_FILES`` is a ratchet (docs/decisions.md, "Layout"), lower it when a chain gets
shorter, never raise it.
"""

from __future__ import annotations

import functools

import grimp

PACKAGE = "services.decisions"
MOST_FILES = 6


def _imports() -> dict[str, set[str]]:
    graph = grimp.build_graph("services", include_external_packages=False)
    modules = {m for m in graph.modules if m == PACKAGE or m.startswith(PACKAGE + ".")}
    return {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}


def longest_chain(imports: dict[str, set[str]]) -> tuple[str, ...]:
    """The longest path of imports; raises ValueError on a circle."""
    on_path: set[str] = set()

    @functools.cache
    def from_(module: str) -> tuple[str, ...]:
        if module in on_path:
            raise ValueError(f"import circle through {module}")
        on_path.add(module)
        best = max(((module, *from_(m)) for m in imports[module]), key=len, default=(module,))
        on_path.discard(module)
        return best

    return max((from_(m) for m in imports), key=len)


def test_the_chain_helper_finds_the_longest_path_and_refuses_a_circle() -> None:
    assert longest_chain({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == ("a", "b", "c")
    try:
        longest_chain({"a": {"b"}, "b": {"a"}})
    except ValueError as error:
        assert "circle" in str(error)
    else:
        raise AssertionError("a circle was not found")


def test_decisions_has_no_import_circle_and_no_chain_longer_than_the_bound() -> None:
    chain = longest_chain(_imports())
    assert len(chain) <= MOST_FILES, " -> ".join(chain)
