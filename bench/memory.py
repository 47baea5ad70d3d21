"""Resident memory of decisions after it has issued N acts, each rendered to PDF at issue.

Issue #14, goal 5: every service process ≤ 150 MB (143 MiB) after the demo month. Decisions
grew when acts began to be printed with WeasyPrint at issue
(services/decisions/read_models/issued_documents.py). This benchmark starts intake and
decisions as processes of their own (``python -m services.<name>``, as ``./asist up``
does, with the environment deploy/services.py gives them), submits N applications of the
demo's first client (a new person each), and for each case records the assessment and the
grant, so decisions prints and stores N PDFs. It reads decisions' VmRSS (what
``./asist status`` prints) when it is ready, after the first act and after the last, and
the anonymous part of it (``/proc/<pid>/smaps_rollup``: the heap, not the mapped
libraries).

    .venv/bin/python -m bench.memory [--scale 1.0]
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import httpx

from bench.figures import Figure, Servers, scaled
from bench.latency import TOKEN, Services
from deploy import demo
from deploy.services import resident_mib

ACTS = 40  # at scale 1.0: the demo month issues about a dozen, a busy month tens
GOAL_MIB = 143.0  # 150 MB
JANIS = demo.CLIENTS[0]  # an adult granted under LV-2021: assessment, hearing, decision


def anonymous_mib(pid: int) -> float | None:
    """The anonymous memory of a process (heap, thread stacks), from smaps_rollup."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    for line in rollup.splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024
    return None


async def _issue_act(intake: httpx.AsyncClient, decisions: httpx.AsyncClient, n: int) -> None:
    """One application through to its granted decision (and so one printed act)."""
    body = demo.application_body(JANIS, n)
    # A new person per act: serials 1–999 of a birth date each make a valid old-format code.
    birth = date(1960 + n // 1000, 1 + n // 1000 % 12, 1)
    body["applicant"]["personal_code"] = demo.personal_code(birth, n % 1000)
    body["applicant"]["birth_date"] = birth.isoformat()
    path = "/municipalities/daugavpils"
    answer = await intake.post(f"{path}/applications", json=body, headers=_key())
    answer.raise_for_status()
    case = f"{path}/cases/{answer.json()['application_id']}"
    deadline = time.monotonic() + 30
    while (await decisions.get(case)).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no case {case} within 30 s")
        await asyncio.sleep(0.05)
    facts = demo.assessment_facts(JANIS)
    (await decisions.post(f"{case}/assessment", json=facts, headers=_key())).raise_for_status()
    decision = {"period_start": demo.PERIOD_START.isoformat(), "hearing": demo.HEARING}
    answer = await decisions.post(f"{case}/decision", json=decision, headers=_key())
    answer.raise_for_status()


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def measure(servers: Servers, scale: float = 1.0) -> list[Figure]:
    acts = scaled(ACTS, scale, least=2)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as logs:
        services = Services(servers, Path(logs))
        services.start()
        try:
            await services.wait_ready()
            pid = services.processes[list(services.ports).index("decisions")].pid
            headers = {"Authorization": f"Bearer {TOKEN}"}
            urls = {n: f"http://127.0.0.1:{p}" for n, p in services.ports.items()}
            async with (
                httpx.AsyncClient(base_url=urls["intake"], headers=headers, timeout=60) as intake,
                httpx.AsyncClient(base_url=urls["decisions"], headers=headers, timeout=60) as dec,
            ):
                samples = [("ready", resident_mib(pid), anonymous_mib(pid))]
                for n in range(1, acts + 1):
                    await _issue_act(intake, dec, n)
                    if n == 1:
                        samples.append(("after 1 act", resident_mib(pid), anonymous_mib(pid)))
                samples.append((f"after {acts} acts", resident_mib(pid), anonymous_mib(pid)))
            for when, rss, anon in samples:
                if rss is not None:
                    goal = GOAL_MIB if when.startswith(f"after {acts}") else None
                    figures.append(
                        Figure(f"memory: decisions RSS {when}", rss, "MiB", baseline=goal)
                    )
                if anon is not None:
                    figures.append(Figure(f"memory: decisions anonymous {when}", anon, "MiB"))
        finally:
            services.stop()
    return figures


def main() -> None:
    from bench.__main__ import run_standalone

    run_standalone([measure])


if __name__ == "__main__":
    main()
