"""The last stage of the demo: the ministry's national view of the demo month.

Waits until the reporting service has applied every event on the bus, prints per
municipality the clients with an active grant, hours approved, money paid and the status
of the municipality's monthly report, and saves the month's XLSX workbook (the published
form: small counts suppressed) under ``.local/reports/``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

REPORTS_DIR = Path(__file__).resolve().parent.parent / ".local" / "reports"


class ReportingNotCaughtUp(RuntimeError):
    pass


def wait_caught_up(http: httpx.Client, seconds: float = 60.0) -> None:
    """Every durable has nothing pending, twice a second apart (a relay may still publish)."""
    deadline = time.monotonic() + seconds
    streak = 0
    while streak < 2:
        reply = http.get("/national/status")
        streak = streak + 1 if reply.status_code == 200 and reply.json()["caught_up"] else 0
        if time.monotonic() > deadline:
            raise ReportingNotCaughtUp(f"reporting did not catch up: {reply.text}")
        time.sleep(1.0 if streak else 0.2)


def report_label(item: dict[str, Any] | None, deadline: str) -> str:
    if item is None or item["status"] == "not_due":
        return f"not due until {deadline}"
    if item["status"] == "missing":
        return f"missing (due {item['deadline']})"
    found = len(item["differences"])
    text = f"{found} differences" if found else "matches"
    if item["payments"] is not None and not item["payments"]["matches"]:
        text += ", payments ≠ hours × rate"
    return text + (" (late)" if item["status"] == "late" else "")


def national_rows(month_view: dict[str, Any], checks: list[dict[str, Any]]) -> list[list[str]]:
    deadline = _deadline(month_view["month"])
    by_slug = {item["municipality"]: item for item in checks}
    rows = []
    for item in month_view["municipalities"]:
        figures = item["figures"]
        rows.append(
            [
                item["municipality"].capitalize(),
                item["atvk"],
                str(figures["clients_active"]),
                figures["hours_approved"],
                figures["paid_total"],
                report_label(by_slug.get(item["municipality"]), deadline),
            ]
        )
    total = month_view["national"]
    rows.append(
        [
            "Latvija kopā",
            "",
            str(total["clients_active"]),
            total["hours_approved"],
            total["paid_total"],
            "",
        ]
    )
    return rows


def _deadline(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return f"{year:04d}-{number:02d}-15"


def show(urls: dict[str, str], tokens: dict[str, str], month: str) -> Path | None:
    """Print the national view of ``month``; returns the path of the saved workbook."""
    if "reporting" not in urls or "ministry" not in tokens:
        print("\n-- national view: skipped (no reporting service or no ministry token)")
        return None
    http = httpx.Client(
        base_url=urls["reporting"],
        headers={"Authorization": f"Bearer {tokens['ministry']}"},
        timeout=30,
    )
    with http:
        wait_caught_up(http)
        view = http.get(f"/national/months/{month}").raise_for_status().json()
        checks = (
            http.get(
                "/national/reconciliation",
                params={"month": month, "only_differences": "false"},
            )
            .raise_for_status()
            .json()["items"]
        )
        workbook = http.get(f"/national/months/{month}/workbook.xlsx").raise_for_status()
    print(f"\n-- the ministry's national view of {month} (reporting service, exact figures)")
    header = ["municipality", "ATVK", "clients", "hours approved", "money paid", "report"]
    rows = [header, *national_rows(view, checks)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = [
            cell.rjust(width) if 2 <= i <= 4 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  " + "  ".join(cells).rstrip())
    REPORTS_DIR.mkdir(parents=True, exist_ok=True)
    path = REPORTS_DIR / f"asistenti-{month}.xlsx"
    path.write_bytes(workbook.content)
    print(f"  workbook (published form, counts below 5 shown as <5): {path}")
    return path
