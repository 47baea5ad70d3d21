"""`./asist up`, `./asist down`, again and again on a fresh clone: no failure, no orphan (issue #7).

Clones the committed repository into a temporary folder (a fresh machine as far as the
project can tell: no .local, no state files) and there runs ``./asist up`` then
``./asist down`` N times. After each ``down`` it counts nats-server and postgres processes
whose command line names the clone's data folder: there must be none. Prints one line a
round and a summary; exits 1 on any failure. Slow (a demo month per round), so not in CI:

    .venv/bin/python -m bench.up_down_loop [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def processes_under(folder: Path) -> list[str]:
    """Command lines of nats-server/postgres processes that mention `folder` (or its PG home)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if ("nats-server" in cmdline or "postgres" in cmdline) and str(folder) in cmdline:
            found.append(f"{proc.name}: {cmdline.strip()}")
    return found


def pg_homes(clone: Path) -> list[Path]:
    """PostgreSQL's stand-in folders (root runs it as `asist` under /tmp) owned by `clone`."""
    homes = []
    for home in Path(tempfile.gettempdir()).glob("asist-pg-*"):
        try:
            if str(clone) in (home / "owner").read_text():
                homes.append(home)
        except OSError:
            continue
    return homes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="asist-loop-"))
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    # The clone shares this checkout's virtual environment and uv (installing them again
    # each round measures PyPI, not the start-up).
    for shared in (".venv", ".local/tools"):
        if (ROOT / shared).exists():
            (clone / shared).parent.mkdir(parents=True, exist_ok=True)
            (clone / shared).symlink_to(ROOT / shared)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASIST_")}
    failures = 0
    try:
        for round_no in range(1, args.rounds + 1):
            started = time.monotonic()
            up = subprocess.run(
                ["./asist", "up"], cwd=clone, env=env, capture_output=True, text=True
            )
            up_seconds = time.monotonic() - started
            down = subprocess.run(
                ["./asist", "down"], cwd=clone, env=env, capture_output=True, text=True
            )
            folders = [clone, *pg_homes(clone)]
            orphans = [line for folder in folders for line in processes_under(folder)]
            ok = up.returncode == 0 and down.returncode == 0 and not orphans
            failures += not ok
            print(
                f"round {round_no:>2}: up {'ok' if up.returncode == 0 else 'FAILED'} "
                f"in {up_seconds:5.1f}s, down {'ok' if down.returncode == 0 else 'FAILED'}, "
                f"orphans {len(orphans)}",
                flush=True,
            )
            if not ok:
                print((up.stdout + up.stderr)[-3000:], (down.stdout + down.stderr)[-1000:])
                print("\n".join(orphans))
    finally:
        subprocess.run(["./asist", "down"], cwd=clone, env=env, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.rounds} rounds, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
