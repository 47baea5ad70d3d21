"""What every benchmark module of ``bench/`` shares: servers, figures, and the summary table.

A benchmark module defines ``async def measure(servers: Servers, scale: float) ->
list[Figure]``; ``python -m bench`` finds every such module, runs it and prints one table.
``scale`` 1.0 is the full run; the unit test runs each module at a tiny scale.
"""

from __future__ import annotations

import contextlib
import os
import resource
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.store.db import SHARED_MIGRATIONS, apply_migrations, database_dsn, ensure_database


@dataclass(frozen=True)
class Servers:
    nats_url: str
    database_url: str  # a server DSN; benchmarks create databases of their own on it
    # ASIST_MASTER_KEY of the stack: services started by a benchmark seal personal fields.
    master_key: str = ""


@dataclass(frozen=True)
class Figure:
    """One measured figure, with the baseline it is read against (if any)."""

    name: str
    value: float
    unit: str
    baseline: float | None = None  # measured in the same run, same unit
    baseline_name: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    def line(self) -> str:
        text = f"{self.name:<64} {self.value:>12,.1f} {self.unit}"
        if self.baseline is not None:
            text += f"   (baseline {self.baseline:,.1f}: {self.ratio or 0:.2f}×)"
        return text


def scaled(full: int, scale: float, least: int = 1) -> int:
    return max(least, int(full * scale))


async def fresh_database(servers: Servers, prefix: str = "bench") -> asyncpg.Pool:
    """A new database with the shared event-store schema, and a pool on it."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    await ensure_database(servers.database_url, name)
    pool = await asyncpg.create_pool(
        database_dsn(servers.database_url, name), min_size=2, max_size=20
    )
    async with pool.acquire() as conn:
        await apply_migrations(conn, SHARED_MIGRATIONS)
    return pool


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(figures: list[Figure]) -> str:
    """The summary: name, figure, baseline, ratio: every figure in one place."""
    header = f"{'benchmark':<64} {'figure':>14} {'unit':<10} {'baseline':>12} {'ratio':>7}"
    lines = [header, "-" * len(header)]
    for f in figures:
        baseline = f"{f.baseline:>12,.1f}" if f.baseline is not None else f"{'—':>12}"
        ratio = f"{f.ratio:>6.2f}×" if f.ratio is not None else f"{'':>7}"
        lines.append(f"{f.name:<64} {f.value:>14,.1f} {f.unit:<10} {baseline} {ratio}")
    return "\n".join(lines)


# ---- CPU per process (Linux /proc), to say which resource a benchmark saturates ------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far; 0.0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a PostgreSQL server's backends and workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def listening_pid(port: int) -> int | None:
    """The process that listens on TCP ``port`` of this machine (our NATS or PostgreSQL)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                    inodes.add(parts[9])
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(entry.name)
    return None
