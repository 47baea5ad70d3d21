"""The benchmarks that run as programs (``python -m bench.<name>``, their own servers) stay
runnable: each at a tiny size, as `python -m bench` runs them after the others.

They start their own NATS and PostgreSQL under ``.local/bench`` on free ports, so the
suite's servers named by ``ASIST_*`` are removed from their environment. A benchmark
asserts nothing about speed; this only checks that it runs to its figures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import benchmarks, modules

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TINY = {
    "payments": ["--clients", "60", "--assistants", "43"],
    "privacy": ["--events", "50", "--writers", "2", "--events-per-person", "5"],
    "reporting": ["--clients", "5", "--reports", "3"],
    "timesheets": ["--reports", "20"],
}


def test_every_program_benchmark_has_a_tiny_size_here() -> None:
    assert set(modules()) - set(benchmarks()) == set(TINY)


@pytest.mark.parametrize("name", sorted(TINY))
def test_a_program_benchmark_runs_at_a_tiny_size(name: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASIST_")}
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", *TINY[name]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
