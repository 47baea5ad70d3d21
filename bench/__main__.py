"""``python -m bench``: every benchmark of the project, then one summary table.

Runs each module of ``bench/`` that defines ``measure(servers, scale)`` (see
bench/figures.py) against one NATS and one PostgreSQL started for the run with durable
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
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import bench
from bench.figures import Figure, Servers, peak_rss_mib, table

Measure = Callable[[Servers, float], Awaitable[list[Figure]]]
ROOT = Path(__file__).resolve().parents[1]


def benchmarks(only: Sequence[str] = ()) -> dict[str, Measure]:
    """Every module of bench/ with a ``measure`` function, by name (up_down_loop has none)."""
    found: dict[str, Measure] = {}
    for module in pkgutil.iter_modules(bench.__path__):
        if module.name.startswith("_") or (only and module.name not in only):
            continue
        loaded = importlib.import_module(f"bench.{module.name}")
        measure = getattr(loaded, "measure", None)
        if callable(measure):
            found[module.name] = measure
    return found


async def run_all(servers: Servers, measures: Sequence[Measure], scale: float) -> list[Figure]:
    figures: list[Figure] = []
    for measure in measures:
        for figure in await measure(servers, scale):
            print(figure.line(), flush=True)
            figures.append(figure)
    return figures


def run_standalone(measures: Sequence[Measure], scale: float | None = None) -> None:
    """Start servers (or use ASIST_*), run ``measures``, print the table."""
    if scale is None:
        parser = argparse.ArgumentParser()
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the full run")
        scale = parser.parse_args().scale
    # Always servers of its own: the latency benchmark empties the INTAKE and DECISIONS streams.
    from deploy.stack import start_stack, stop_stack

    data_dir = ROOT / ".local" / "bench"
    stack = start_stack(data_dir, nats_port=0, pg_port=0, nats_monitor_port=0)
    try:
        servers = Servers(stack.nats_url, stack.database_url)
        figures = asyncio.run(run_all(servers, measures, scale))
    finally:
        stop_stack(data_dir)
    print()
    print(table(figures))
    print(f"\npeak RSS of the benchmark process: {peak_rss_mib():.0f} MiB")
    print(f"{os.cpu_count()} CPU cores; other programs running at the same time change the figures")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the full run")
    parser.add_argument("--only", default="", help="comma-separated module names")
    args = parser.parse_args(argv)
    chosen = benchmarks([n for n in args.only.split(",") if n])
    if not chosen:
        print(f"no benchmark module matches {args.only!r}", file=sys.stderr)
        return 2
    print(f"benchmarks: {', '.join(chosen)}", flush=True)
    run_standalone(list(chosen.values()), args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
