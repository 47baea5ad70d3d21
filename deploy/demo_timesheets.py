"""The timesheets stage of the demo: assistants report November 2026, checked and approved.

Runs after the decisions stage of ``deploy/demo.py`` (grants from 2026-11-02). Pēteris Ozols
serves Jānis Bērziņš in Daugavpils and, registered there too, Ilze Krūmiņa in Ludza (one
person: the 40 h/week and overlaps count across both); Dace Egle serves the child Marta
Ozola. Their November reports: one in Jānis's hospital stay and over his monthly grant
(approved partly), one overlapping another client (rejected, fixed, approved), one of the
child's month attested by her representative, approved, then corrected (the difference as
its own event). Everything over the public HTTP APIs with each person's own token.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import date
from typing import Any

import httpx

from deploy import demo

MONTH = "2026-11"
PETERIS = (date(1980, 6, 6), 301)  # birth date and serial of the demo's personal codes
DACE = (date(1980, 6, 6), 302)
KEY_NAMESPACE = uuid.UUID("5a1c0de5-0000-4000-8000-0000000075e7")


def _client(first_name: str) -> demo.Client:
    return next(c for c in demo.CLIENTS if c.first_name == first_name)


def _client_code(first_name: str) -> str:
    client = _client(first_name)
    return demo.personal_code(client.birth_date, 101 + demo.CLIENTS.index(client))


def person_grants() -> dict[str, str]:
    """Token names and their grants (architecture.md §9): assistants and clients by person."""
    return {
        "assistant-peteris": f"assistant:*:person={demo.personal_code(*PETERIS)}",
        "assistant-dace": f"assistant:daugavpils:person={demo.personal_code(*DACE)}",
        "client-janis": f"client:daugavpils:person={_client_code('Jānis')}",
        "client-marta": f"client:daugavpils:person={_client_code('Marta')}",
    }


class Person:
    """One person's HTTP client: their token, a key per step (so a replay is idempotent)."""

    def __init__(self, base_url: str, token: str, who: str) -> None:
        self.who = who
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def send(
        self, method: str, path: str, body: Any = None, *, step: str = "", csv: str | None = None
    ) -> dict[str, Any]:
        canonical = f"{method} {path} {json.dumps(body, sort_keys=True)} {csv} {step}"
        headers = {"Idempotency-Key": str(uuid.uuid5(KEY_NAMESPACE, canonical))}
        if csv is not None:
            headers["Content-Type"] = "text/csv"
        if csv is None:
            response = self.http.request(method, path, json=body, headers=headers)
        else:
            response = self.http.request(method, path, content=csv, headers=headers)
        if response.status_code >= 300:
            raise RuntimeError(
                f"{self.who}: {method} {path}: {response.status_code} {response.text}"
            )
        return dict(response.json())

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)


def report_path(municipality: str, assignment_id: str) -> str:
    return f"/municipalities/{municipality}/assignments/{assignment_id}/timesheets/{MONTH}"


def assignment_of(decisions: demo.Api, municipality: str, assistant_id: str, case_id: str) -> str:
    found = decisions.get(f"/municipalities/{municipality}/assistants/{assistant_id}").json()
    return str(next(a for a in found["assignments"] if a["case_id"] == case_id)["assignment_id"])


def wait_known(person: Person, path: str) -> None:
    """Timesheets learns assignments from decisions' events: wait until it has."""
    deadline = time.monotonic() + 30
    while person.get(path).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"timesheets never learnt {path}")
        time.sleep(0.1)


def entry(day: int, start: str, end: str, activity: str, note: str = "") -> dict[str, Any]:
    body = {"day": f"{MONTH}-{day:02d}", "start": start, "end": end, "activity": activity}
    return body | ({"note": note} if note else {})


def janis_month() -> list[dict[str, Any]]:
    """Weekdays for work, 105 h against his 80 h a month; four days in the hospital."""
    days = [2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 17, 18, 19, 20, 23, 24, 25, 26, 27, 30]
    month = [entry(d, "08:00", "13:00", "work") for d in days]  # 5 h a day
    month.append(entry(10, "14:00", "15:00", "institutions", "family doctor"))
    month.append(entry(14, "10:00", "14:00", "leisure", "theatre"))
    return month


MARTA_CSV = "datums;no;līdz;darbība\n" + "".join(
    f"{d:02d}.11.2026;15:00;19:00;rehabilitācija\n" for d in (2, 4, 6, 9, 11, 13, 16, 18, 20)
)


def play_timesheets(
    urls: dict[str, str], tokens: dict[str, str], decisions: dict[str, demo.Api]
) -> None:
    print("\n-- timesheets: assistants report November 2026 (rules.md §7)")
    base = urls["timesheets"]
    dgp, ludza = decisions["daugavpils"], decisions["ludza"]
    janis, marta, ilze = _client("Jānis"), _client("Marta"), _client("Ilze")
    peteris_dgp = demo.register_assistant(
        dgp, "Pēteris", "Ozols", PETERIS[1], "LV80BANK0000435195001"
    )
    dace = demo.register_assistant(dgp, "Dace", "Egle", DACE[1], "LV97HABA0012345678910")
    # The same person also works in Ludza: a registration there, matched by personal code.
    peteris_ludza = ludza.post(
        "/municipalities/ludza/assistants",
        {
            "personal_code": demo.personal_code(*PETERIS),
            "first_name": "Pēteris",
            "last_name": "Ozols",
            "iban": "LV80BANK0000435195001",
            "tax_status": "employee",
            "experience": "years as a carer in a day centre",
        },
        expect=201,
    ).json()["assistant_id"]
    ludza.post(
        f"/municipalities/ludza/assistants/{peteris_ludza}/assignments",
        {"case_id": ilze.application_id, "assigned_from": "2026-11-02", "weekly_hours": 10},
        expect=201,
    )
    print("  Pēteris Ozols also assigned in Ludza to Ilze Krūmiņa, 10 h/week (one person)")
    peteris = Person(base, tokens["assistant-peteris"], "Pēteris Ozols")
    dace_api = Person(base, tokens["assistant-dace"], "Dace Egle")
    caseworker = {m: Person(base, tokens[m], f"caseworker {m}") for m in ("daugavpils", "ludza")}
    janis_path = report_path(
        "daugavpils", assignment_of(dgp, "daugavpils", peteris_dgp, janis.application_id)
    )
    ilze_path = report_path(
        "ludza", assignment_of(ludza, "ludza", peteris_ludza, ilze.application_id)
    )
    marta_path = report_path(
        "daugavpils", assignment_of(dgp, "daugavpils", dace, marta.application_id)
    )
    for person, path in ((peteris, janis_path), (peteris, ilze_path), (dace_api, marta_path)):
        wait_known(person, path)

    # 1. Jānis: a hospital stay and a week over the grant; he attests; approved partly.
    peteris.send("PUT", janis_path, {"entries": janis_month()})
    sent = peteris.send("POST", f"{janis_path}/submit")
    Person(base, tokens["client-janis"], "Jānis").send(
        "POST", f"{janis_path}/attest", {"by": "client"}
    )
    approved = caseworker["daugavpils"].send(
        "POST",
        f"{janis_path}/approve",
        {"entries": [{"index": 0, "hours": "4", "reason": "arrived at 09:00 (client's note)"}]},
    )
    print_report("Jānis Bērziņš / Pēteris Ozols", sent, approved)

    # 2. Ilze: an hour overlapping Jānis's; rejected, reopened, fixed, approved.
    ilze_month = [entry(d, "14:00", "16:00", "day_care") for d in (3, 5, 12, 19)]
    ilze_month.append(entry(24, "12:00", "14:00", "social_activities"))
    peteris.send("PUT", ilze_path, {"entries": ilze_month})
    sent = peteris.send("POST", f"{ilze_path}/submit")
    rejected = caseworker["ludza"].send(
        "POST", f"{ilze_path}/reject", {"reasons": ["OVERLAP_ASSISTANT_TWO_CLIENTS"]}
    )
    print_report("Ilze Krūmiņa / Pēteris Ozols", sent, rejected)
    peteris.send("POST", f"{ilze_path}/reopen")
    last = len(ilze_month) - 1
    peteris.send(
        "PUT", f"{ilze_path}/entries/{last}", entry(24, "14:00", "16:00", "social_activities")
    )
    sent = peteris.send("POST", f"{ilze_path}/submit", step="version 2")
    approved = caseworker["ludza"].send("POST", f"{ilze_path}/approve", {})
    print_report("Ilze Krūmiņa, corrected by the assistant", sent, approved)

    # 3. Marta: the paper form as CSV; her representative attests; approved; a forgotten
    #    day comes later: reopened, added, approved again as TimesheetCorrected.
    dace_api.send("POST", f"{marta_path}/import", csv=MARTA_CSV)
    sent = dace_api.send("POST", f"{marta_path}/submit")
    Person(base, tokens["client-marta"], "Marta's mother").send(
        "POST", f"{marta_path}/attest", {"by": "representative"}
    )
    approved = caseworker["daugavpils"].send("POST", f"{marta_path}/approve", {})
    print_report("Marta Ozola / Dace Egle", sent, approved)
    caseworker["daugavpils"].send("POST", f"{marta_path}/reopen")
    dace_api.send("POST", f"{marta_path}/entries", entry(23, "15:00", "19:00", "rehabilitācija"))
    dace_api.send("POST", f"{marta_path}/submit", step="version 2")
    corrected = caseworker["daugavpils"].send("POST", f"{marta_path}/approve", {}, step="version 2")
    print_report("Marta Ozola, corrected", corrected, corrected)
    labels = {
        janis_path: "Jānis Bērziņš / Pēteris Ozols",
        ilze_path: "Ilze Krūmiņa / Pēteris Ozols",
        marta_path: "Marta Ozola / Dace Egle",
    }
    summary(caseworker, {path.split("/")[4]: label for path, label in labels.items()})


def print_report(who: str, submitted: dict[str, Any], outcome: dict[str, Any]) -> None:
    codes = sorted({f["code"] for f in submitted["findings"]}) or ["no findings"]
    approved = outcome.get("approved_hours")
    result = outcome["status"] + (f" {approved} h" if outcome["status"] == "approved" else "")
    print(
        f"  {who:<42} v{submitted['version']} {submitted['reported_hours']:>6} h reported, "
        f"{', '.join(codes)} -> {result}"
    )


def summary(caseworker: dict[str, Person], labels: dict[str, str]) -> None:
    print(f"\n-- the caseworkers' view of {MONTH}: reports and findings")
    for municipality, person in caseworker.items():
        month = person.get(f"/municipalities/{municipality}/timesheets?month={MONTH}").json()
        for item in month["items"]:
            findings = ", ".join(
                f"{f['code']} {f.get('day') or ''}".strip() for f in item["findings"]
            )
            who = labels.get(item["assignment_id"], item["assignment_id"])
            print(
                f"  {municipality:<10} {who:<30} {item['status']:<9} v{item['version'] or '-'} "
                f"reported {item['reported_hours'] or '-':>4} h, approved "
                f"{item['approved_hours'] or '-':>4} h; {findings or 'no findings'}"
            )
