"""``python -m bench``: every benchmark of the project, then one summary table.

Runs each module of ``bench/`` that defines ``measure(servers, scale)`` (see
bench/figures.py; a module without it runs as ``python -m bench.<name>`` after the others
and prints its own figures) against one NATS and one PostgreSQL started for the run with durable
settings (fsync on) under .local/bench, on free ports (never servers named by ASIST_*:
benchmarks empty the streams they use). Prints each module's figures as they come, then
the table (name, figure, baseline, ratio). Benchmarks assert nothing and CI does not run them;
tests/integration/test_benchmarks.py keeps each one runnable at a tiny scale.

    .venv/bin/python -m bench [--scale 1.0] [--only backbone,latency]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import pkgutil
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import bench
from bench.figures import Figure, Servers, peak_rss_mib, table

Measure = Callable[[Servers, float], Awaitable[list[Figure]]]
ROOT = Path(__file__).resolve().parents[1]


# Modules of bench/ that are not benchmarks: shared helpers, and a soak loop of `./asist up`
# and `down` (a demo month per round: minutes, and it measures nothing).
NOT_BENCHMARKS = frozenset({"figures", "up_down_loop"})


def modules(only: Sequence[str] = ()) -> list[str]:
    """Names of the benchmark modules of bench/ (all of them, or those in ``only``)."""
    return [
        m.name
        for m in pkgutil.iter_modules(bench.__path__)
        if not m.name.startswith("_")
        and m.name not in NOT_BENCHMARKS
        and (not only or m.name in only)
    ]


def benchmarks(only: Sequence[str] = ()) -> dict[str, Measure]:
    """The modules with a ``measure`` function, by name: their figures go into the table."""
    found: dict[str, Measure] = {}
    for name in modules(only):
        measure = getattr(importlib.import_module(f"bench.{name}"), "measure", None)
        if callable(measure):
            found[name] = measure
    return found


def run_as_programs(names: Sequence[str]) -> list[str]:
    """Run benchmark modules without ``measure`` as ``python -m bench.<name>`` (their own
    servers, default arguments); returns one line per module for the summary."""
    lines = []
    for name in names:
        print(f"\n== python -m bench.{name} (prints its own figures)", flush=True)
        code = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=ROOT)
        lines.append(
            f"bench.{name}: {'ran' if code == 0 else f'FAILED (exit {code})'}; figures above"
        )
    return lines


async def run_all(servers: Servers, measures: Sequence[Measure], scale: float) -> list[Figure]:
    figures: list[Figure] = []
    for measure in measures:
        for figure in await measure(servers, scale):
            print(figure.line(), flush=True)
            figures.append(figure)
    return figures


def run_standalone(
    measures: Sequence[Measure], scale: float | None = None, programs: Sequence[str] = ()
) -> None:
    """Start servers of its own, run ``measures``, then ``programs``; print the table."""
    if scale is None:
        parser = argparse.ArgumentParser()
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the full run")
        scale = parser.parse_args().scale
    # Always servers of its own: the latency benchmark empties the INTAKE and DECISIONS streams.
    from deploy.stack import start_stack, stop_stack

    data_dir = ROOT / ".local" / "bench"
    stack = start_stack(data_dir, nats_port=0, pg_port=0, nats_monitor_port=0)
    try:
        servers = Servers(stack.operator_url, stack.database_url, stack.master_key or "")
        figures = asyncio.run(run_all(servers, measures, scale))
    finally:
        stop_stack(data_dir)
    others = run_as_programs(programs)
    print()
    print(table(figures))
    for line in others:
        print(line)
    print(f"\npeak RSS of the benchmark process: {peak_rss_mib():.0f} MiB")
    print(f"{os.cpu_count()} CPU cores; other programs running at the same time change the figures")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the full run")
    parser.add_argument("--only", default="", help="comma-separated module names")
    args = parser.parse_args(argv)
    only = [n for n in args.only.split(",") if n]
    names = modules(only)
    if not names:
        print(f"no benchmark module matches {args.only!r}", file=sys.stderr)
        return 2
    chosen = benchmarks(only)
    programs = [n for n in names if n not in chosen]
    print(f"benchmarks: {', '.join(names)}", flush=True)
    run_standalone(list(chosen.values()), args.scale, programs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
