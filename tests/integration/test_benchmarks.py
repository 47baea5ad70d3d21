"""Every benchmark of bench/ stays importable and runnable (issue #14), at a tiny scale.

Benchmarks are not timed tests: nothing here judges a figure, only that each module runs
against real servers and returns its figures, and that ``python -m bench`` finds them all.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

from bench.__main__ import benchmarks, modules
from bench.figures import Figure, Servers, table
from tests.conftest import Servers as StackServers

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_bus")]


def test_python_m_bench_finds_every_benchmark_module() -> None:
    assert {"backbone", "latency", "rebuild", "memory"} <= set(benchmarks())
    assert "up_down_loop" not in modules(), "a soak loop, not a measuring benchmark"


@pytest.mark.parametrize("name", modules())
def test_every_benchmark_module_imports_and_has_an_entry_point(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    measure = getattr(module, "measure", None)
    assert callable(measure) or callable(getattr(module, "main", None))
    if callable(measure):  # `python -m bench` calls every `measure` as measure(servers, scale)
        assert list(inspect.signature(measure).parameters) == ["servers", "scale"], name


@pytest.mark.parametrize("name", ["backbone", "latency", "rebuild", "memory"])
async def test_each_benchmark_runs_at_a_tiny_scale(name: str, stack: StackServers) -> None:
    measure = benchmarks([name])[name]
    servers = Servers(stack.operator_url, stack.database_url, stack.master_key)
    figures = await measure(servers, 0.004)
    assert figures and all(isinstance(f, Figure) and f.value >= 0 for f in figures)
    rendered = table(figures)
    assert all(f.name in rendered for f in figures)
    if name == "backbone":
        ratios = [f.ratio for f in figures if f.baseline is not None]
        assert ratios and all(r is not None and r > 0 for r in ratios)
