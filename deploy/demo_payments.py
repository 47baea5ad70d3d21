"""The payments stage of the demo: the finance users of Daugavpils and Ludza pay November.

After the time reports of the demo month (the timesheets stage), each municipality's
finance user opens the run for 2026-11 (paid in December 2026, rules.md §8.1), a second
finance user approves it (the first one is refused: four eyes), the bank files are
written to ``.local/bank-files/`` and validated against the pain.001.001.09 XSD, one
payment comes back from the bank (camt.054, AC04 closed account) and is re-issued after
the caseworker corrects the IBAN, both municipalities submit their monthly report, and
the totals per municipality are printed. It pays whatever approved reports exist.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from deploy.demo import DEMO_NAMESPACE, Api
from deploy.stack import REPO_ROOT
from services.payments.bank_file import validate
from services.payments.bank_returns import BankReturn, camt054_returns

MONTH = "2026-11"
MUNICIPALITIES = ("daugavpils", "ludza")
BANK_FILES = REPO_ROOT / ".local" / "bank-files"
NEW_IBAN = "LV55UNLA0050014285342"


def finance(urls: dict[str, str], tokens: dict[str, str], m: str) -> tuple[Api, Api] | None:
    first, second = tokens.get(f"{m}-finance"), tokens.get(f"{m}-finance-2")
    if first is None or second is None:
        return None
    return Api(urls["payments"], first), Api(urls["payments"], second)


def approved_hours(api: Api, m: str) -> Decimal:
    report = api.get(f"/municipalities/{m}/reports/{MONTH}").json()
    return Decimal(report["figures"]["hours_approved"])


def wait_for_reports(api: Api, m: str, seconds: float = 10.0) -> Decimal:
    """Approved hours reach payments through the bus: wait until they stop growing."""
    deadline, last = time.monotonic() + seconds, Decimal(-1)
    while time.monotonic() < deadline:
        hours = approved_hours(api, m)
        if hours > 0 and hours == last:
            return hours
        last = hours
        time.sleep(0.5)
    return max(last, Decimal(0))


def save_bank_file(api: Api, m: str, run_id: str) -> Path:
    response = api.get(f"/municipalities/{m}/payment-runs/{run_id}/bank-file")
    validate(response.content)  # the official ISO 20022 schema, again on our side
    BANK_FILES.mkdir(parents=True, exist_ok=True)
    path = BANK_FILES / f"pain001-{run_id}.xml"
    path.write_bytes(response.content)
    return path


def pay(
    opener: Api, approver: Api, m: str, reissue: bool = False, quiet: bool = False
) -> dict[str, Any] | None:
    base = f"/municipalities/{m}/payment-runs"
    opened = opener.post(base, {"month": MONTH, "reissue": reissue})
    if opened.status_code == 409:
        if not quiet:
            print(f"  {m:<10} {opened.json()['detail']}")
        return None
    if opened.status_code != 201:
        raise RuntimeError(f"POST {base}: {opened.status_code} {opened.text}")
    run: dict[str, Any] = opened.json()
    totals = run["totals"]
    money = totals["money"]["net"] if reissue else totals["money"]["total_cost"]
    print(
        f"  {m:<10} {run['kind']:<13} run {run['run_id']} opened: "
        f"{counted(totals['payments'], 'payment')}, {totals['hours']} h, {money} EUR"
    )
    # Its own key: Api derives keys from the request alone, so the opener's attempt would
    # share the approver's key, and a second `./asist up` on the same folder would replay
    # the approver's 201 to the opener (issue #19's test of `up` found it).
    approve = f"{base}/{run['run_id']}/approve"
    key = str(uuid.uuid5(DEMO_NAMESPACE, f"the opener's own approval of {approve}"))
    same = opener.http.post(approve, json={}, headers={"Idempotency-Key": key})
    detail = same.json().get("detail", "")
    if same.status_code == 409:  # a second `./asist up` on this folder: approved back then
        print(f"  {'':<10} {detail} (by a second user, when the demo ran here before)")
        approved = "approved before"
    else:
        print(f"  {'':<10} approval by the same user: {same.status_code} {detail}")
        approver.post(f"{base}/{run['run_id']}/approve", {}, expect=201)
        approved = "approved by a second user"
    if run["payments"] or run["reissues"]:
        path = save_bank_file(approver, m, run["run_id"])
        print(f"  {'':<10} {approved}; bank file {path.relative_to(REPO_ROOT)}")
    return run


def return_and_reissue(
    urls: dict[str, str], tokens: dict[str, str], opener: Api, approver: Api, run: dict[str, Any]
) -> None:
    m = "daugavpils"
    detail = opener.get(f"/municipalities/{m}/payment-runs/{run['run_id']}").json()
    paid = [p for p in detail["payments"] if Decimal(p["transfer"]) > 0]
    if not paid:
        return
    payment = paid[0]
    report = camt054_returns(
        f"RET-{run['run_id']}"[:35],
        [(BankReturn(payment["payment_id"], "AC04"), payment["transfer"])],
    )
    key = f"demo-return-{payment['payment_id']}"
    opener.http.post(
        f"/municipalities/{m}/bank-returns",
        content=report,
        headers={"Idempotency-Key": key, "Content-Type": "application/xml"},
    ).raise_for_status()
    print(f"  {m:<10} the bank returned {payment['transfer']} EUR (AC04, account closed)")
    caseworker = Api(urls["decisions"], tokens[m])
    caseworker.post(
        f"/municipalities/{m}/assistants/{payment['assistant_id']}/payment-details",
        {"iban": NEW_IBAN},
    )
    print(f"  {'':<10} the caseworker corrected the assistant's IBAN")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the new IBAN reaches payments through the bus
        if pay(opener, approver, m, reissue=True, quiet=True) is not None:
            return
        time.sleep(0.5)
    print(f"  {m:<10} the corrected IBAN did not reach payments in time; no re-issue")


def counted(number: int, noun: str) -> str:
    """``1 assistant``, ``2 assistants``: the summary is read by people, not parsed."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def totals_line(api: Api, m: str) -> str:
    figures = api.get(f"/municipalities/{m}/reports/{MONTH}").json()["figures"]
    assistants = counted(figures["assistants_paid"], "assistant")
    return (
        f"  {m:<10} {assistants:>13}  {figures['hours_paid']:>8} h"
        f"  gross {figures['gross']:>9}  employer {figures['employer_contributions']:>8}"
        f"  total {figures['total']:>9}  administration {figures['administration_amount']:>7} EUR"
    )


def play_payments(urls: dict[str, str], tokens: dict[str, str]) -> None:
    print(f"\n-- payments: the finance users pay {MONTH} (rules.md §8)")
    users = {m: finance(urls, tokens, m) for m in MUNICIPALITIES}
    if "payments" not in urls or any(u is None for u in users.values()):
        print("  skipped: no payments service or no finance tokens")
        return
    runs = {}
    for m, pair in users.items():
        assert pair is not None
        opener, approver = pair
        hours = wait_for_reports(opener, m)
        print(f"  {m:<10} approved hours of {MONTH} known to payments: {hours}")
        runs[m] = pay(opener, approver, m)
    dgp = users["daugavpils"]
    if runs["daugavpils"] is not None and dgp is not None:
        return_and_reissue(urls, tokens, dgp[0], dgp[1], runs["daugavpils"])
    print(f"\n-- monthly reports to the ministry ({MONTH}, rules.md §9)")
    for m, pair in users.items():
        assert pair is not None
        submitted = pair[0].post(f"/municipalities/{m}/reports/{MONTH}/submit", {})
        state = "submitted" if submitted.status_code in (200, 201) else submitted.json()["detail"]
        print(f"  {m:<10} {state}")
    print("\n-- paid per municipality")
    for m, pair in users.items():
        assert pair is not None
        print(totals_line(pair[0], m))
