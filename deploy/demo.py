"""The demo behind ``./asist up``: caseworkers of two municipalities at work, over HTTP.

Applications arrive at the Daugavpils and Ludza social services in October and November
2026; caseworkers assess and decide them (grants and refusals by the rules of
``shared.rules``), register and assign assistants, handle a hospital stay, and one late
case shows up as overdue. Everything goes through the services' public HTTP APIs and the
bus, as a municipality's own systems would; at the end the events on NATS are counted.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from shared.rules import normalize_personal_code


def personal_code(birth: date, serial: int) -> str:
    """An old-format code (rules.md §10) with a correct check digit, for demo people."""
    century = {18: 0, 19: 1, 20: 2}[birth.year // 100]
    digits = f"{birth:%d%m%y}{century}{serial:03d}"
    weights = (1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = (1101 - sum(w * int(d) for w, d in zip(weights, digits, strict=True))) % 11 % 10
    return normalize_personal_code(f"{digits}{check}")


@dataclass
class Client:
    """One application and how its caseworker will decide it."""

    municipality: str
    first_name: str
    last_name: str
    birth_date: date
    received_on: date
    activities: list[tuple[str, int]]
    facts: dict[str, Any]
    representative: bool = False
    vision_benefit: bool = False
    withdraw: bool = False
    leave_undecided: bool = False
    application_id: str = ""
    outcome: str = ""
    extra: list[str] = field(default_factory=list)


CLIENTS = [
    Client(
        "daugavpils",
        "Jānis",
        "Bērziņš",
        date(1985, 3, 12),
        date(2026, 11, 2),
        [("work", 20), ("institutions", 5), ("leisure", 4)],
        {"disability_group": 2, "opinion": "assistant_needed"},
    ),
    Client(
        "daugavpils",
        "Anna",
        "Kalniņa",
        date(1999, 7, 1),
        date(2026, 11, 3),
        [("higher_education", 30)],
        {"disability_group": 1, "vision_disability": True},
        vision_benefit=True,
    ),
    Client(
        "daugavpils",
        "Marta",
        "Ozola",
        date(2017, 5, 20),
        date(2026, 11, 5),
        [],
        {"opinion": "special_care", "weekly_medical_procedures": True},
        representative=True,
    ),
    Client(
        "daugavpils",
        "Pēteris",
        "Liepa",
        date(1970, 1, 15),
        date(2026, 11, 6),
        [("work", 10)],
        {"disability_group": 3, "opinion": "assistant_needed"},
    ),
    Client(
        "ludza",
        "Ilze",
        "Krūmiņa",
        date(1962, 9, 9),
        date(2026, 11, 4),
        [("day_care", 20), ("social_activities", 6)],
        {"disability_group": 1, "opinion": "assistant_needed"},
    ),
    Client(
        "ludza",
        "Oskars",
        "Vītols",
        date(1990, 2, 2),
        date(2026, 11, 9),
        [("work", 15)],
        {"disability_group": 2, "opinion": "assistant_needed"},
        withdraw=True,
    ),
    Client(
        "ludza",
        "Laura",
        "Zariņa",
        date(1978, 12, 24),
        date(2026, 10, 12),
        [("institutions", 6)],
        {"disability_group": 2, "opinion": "assistant_needed"},
        leave_undecided=True,
    ),
]
PERIOD_START = date(2026, 12, 1)
DEMO_NAMESPACE = uuid.UUID("5a1c0de5-0000-4000-8000-00000000a515")


class Api:
    """A caseworker's HTTP client: bearer token, idempotency keys, clear failures."""

    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def post(self, path: str, body: dict[str, Any], *, expect: int | None = None) -> httpx.Response:
        # The key follows from the request, so running the demo again on the same stack
        # replays the first answers (Idempotency-Key, architecture.md §5) instead of
        # registering the same people twice.
        canonical = path + json.dumps(body, sort_keys=True)
        key = str(uuid.uuid5(DEMO_NAMESPACE, canonical))
        response = self.http.post(path, json=body, headers={"Idempotency-Key": key})
        if expect is not None and response.status_code != expect:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text}")
        return response

    def get(self, path: str) -> httpx.Response:
        response = self.http.get(path)
        response.raise_for_status()
        return response


def wait_until(what: str, check: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


def application_body(client: Client, serial: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "in_person",
        "received_on": client.received_on.isoformat(),
        "applicant": {
            "personal_code": personal_code(client.birth_date, serial),
            "first_name": client.first_name,
            "last_name": client.last_name,
            "birth_date": client.birth_date.isoformat(),
            "declared_address": f"Vienības iela {serial}, {client.municipality.capitalize()}",
            "phone": f"+371 2{serial:07d}",
        },
        "activities": [{"kind": k, "hours_per_week": h} for k, h in client.activities],
        "receives_vision_benefit": client.vision_benefit,
        "weekly_medical_procedures": bool(client.facts.get("weekly_medical_procedures")),
        "requested_start": PERIOD_START.isoformat(),
    }
    if client.representative:
        body["representative"] = {
            "personal_code": personal_code(date(1988, 4, 4), serial + 500),
            "first_name": "Inese",
            "last_name": client.last_name,
            "relation": "parent",
            "phone": "+371 29000000",
        }
    return body


def submit_all(intake: dict[str, Api]) -> None:
    print("\n-- intake: applications received")
    for serial, client in enumerate(CLIENTS, start=101):
        api = intake[client.municipality]
        base = f"/municipalities/{client.municipality}/applications"
        reply = api.post(base, application_body(client, serial), expect=201).json()
        client.application_id = reply["application_id"]
        api.post(
            f"{base}/{client.application_id}/documents",
            {
                "kind": "commission_opinion",
                "title": "VDEĀVK atzinums",
                "content_sha256": hashlib.sha256(str(serial).encode()).hexdigest(),
                "storage_ref": f"dms://{serial}",
                "received_on": client.received_on.isoformat(),
            },
            expect=201,
        )
        who = f"{client.first_name} {client.last_name}"
        due = reply["decision_due_on"]
        print(f"  {client.municipality:<10} {who:<17} received {client.received_on}, due {due}")
        if client.withdraw:
            api.post(
                f"{base}/{client.application_id}/withdrawal",
                {"reason": "moved to Rēzekne", "withdrawn_on": "2026-11-16"},
                expect=200,
            )
            client.outcome = "withdrawn by the applicant"


def exists(api: Api, path: str) -> Callable[[], bool]:
    return lambda: api.http.get(path).status_code == 200


def decide_all(decisions: dict[str, Api]) -> None:
    print("\n-- decisions: cases opened from intake's events, assessed and decided")
    for client in CLIENTS:
        api = decisions[client.municipality]
        case = f"/municipalities/{client.municipality}/cases/{client.application_id}"
        wait_until(f"case {client.application_id}", exists(api, case))
        if client.withdraw or client.leave_undecided:
            continue
        facts = client.facts | {
            "activities": [{"kind": k, "hours_per_week": h} for k, h in client.activities],
            "receives_vision_benefit": client.vision_benefit,
            "disability_valid_until": "2029-06-30",
        }
        api.post(f"{case}/assessment", facts, expect=201)
        decided = api.post(
            f"{case}/decision", {"period_start": PERIOD_START.isoformat()}, expect=201
        ).json()["decision"]
        client.outcome = describe(decided)


def describe(decision: dict[str, Any]) -> str:
    data = decision["data"]
    if decision["type"] == "ApplicationRefused":
        return "refused: " + ", ".join(data["reasons"])
    return (
        f"granted {data['hours']} h/{data['unit']}, {data['period_start']} … "
        f"{data['period_end']} ({data['rule_set']})"
    )


def register_assistant(api: Api, first: str, last: str, serial: int, iban: str) -> str:
    reply = api.post(
        "/municipalities/daugavpils/assistants",
        {
            "personal_code": personal_code(date(1980, 6, 6), serial),
            "first_name": first,
            "last_name": last,
            "iban": iban,
            "tax_status": "employee",
            "experience": "years as a carer in a day centre",
        },
        expect=201,
    ).json()
    return str(reply["assistant_id"])


def assign(api: Api, assistant_id: str, client: Client) -> httpx.Response:
    return api.post(
        f"/municipalities/daugavpils/assistants/{assistant_id}/assignments",
        {"case_id": client.application_id, "assigned_from": PERIOD_START.isoformat()},
    )


def changes_and_assistants(decisions: dict[str, Api]) -> None:
    print("\n-- assistants (rules.md §6.1: at most 40 h/week across clients)")
    dgp = decisions["daugavpils"]
    janis, marta = CLIENTS[0], CLIENTS[2]
    peteris = register_assistant(dgp, "Pēteris", "Ozols", 301, "LV80BANK0000435195001")
    dace = register_assistant(dgp, "Dace", "Egle", 302, "LV97HABA0012345678910")
    for assistant, name, client in ((peteris, "Pēteris Ozols", janis), (dace, "Dace Egle", marta)):
        if assign(dgp, assistant, client).status_code == 201:
            client.extra.append(f"assistant {name} from {PERIOD_START}")
    refused = assign(dgp, peteris, marta)
    errors = refused.json().get("errors", [{}])
    print(f"  Marta Ozola also to Pēteris Ozols: {refused.status_code} {errors[0].get('message')}")
    case = f"/municipalities/daugavpils/cases/{janis.application_id}"
    dgp.post(
        f"{case}/suspension",
        {"reason": "inpatient", "suspended_from": "2026-12-10", "note": "hospital stay"},
        expect=201,
    )
    dgp.post(f"{case}/resumption", {"resumed_on": "2026-12-18"}, expect=201)
    janis.extra.append("suspended 2026-12-10 for a hospital stay, resumed 2026-12-18")


def overdue(decisions: dict[str, Api]) -> None:
    """The operators' deadline check (the service also runs it by itself every few minutes)."""
    decisions["ludza"].post("/municipalities/ludza/cases/overdue-check", {}, expect=200)
    late = next(c for c in CLIENTS if c.leave_undecided)
    case = decisions["ludza"].get(f"/municipalities/ludza/cases/{late.application_id}").json()
    late.outcome = (
        f"undecided, deadline {case['decision_deadline']} passed: overdue since "
        f"{case['overdue_recorded_on']} (DecisionOverdue)"
    )


def count_events(nats_url: str) -> dict[str, int]:
    import asyncio

    import nats

    from shared.bus.nats_auth import nats_auth
    from shared.settings import Settings

    async def count() -> dict[str, int]:
        # The operator's credentials from ASIST_NATS_USER/PASSWORD (set by `./asist up`).
        nc = await nats.connect(nats_url, **nats_auth(Settings()))
        js = nc.jetstream()
        figures = {info.config.name or "?": info.state.messages for info in await js.streams_info()}
        await nc.drain()
        return figures

    return asyncio.run(count())


def play(urls: dict[str, str], tokens: dict[str, str], nats_url: str) -> None:
    intake = {m: Api(urls["intake"], tokens[m]) for m in ("daugavpils", "ludza")}
    decisions = {m: Api(urls["decisions"], tokens[m]) for m in ("daugavpils", "ludza")}
    submit_all(intake)
    decide_all(decisions)
    changes_and_assistants(decisions)
    overdue(decisions)
    print("\n-- what happened")
    for client in CLIENTS:
        who = f"{client.first_name} {client.last_name}"
        print(f"  {client.municipality:<10} {who:<17} {client.outcome}")
        for line in client.extra:
            print(f"  {'':<10} {'':<17} {line}")
    janis = CLIENTS[0]
    document = (
        decisions["daugavpils"]
        .get(
            f"/municipalities/daugavpils/cases/{janis.application_id}/decisions/1/document?format=txt"
        )
        .text
    )
    print("\n-- the decision document of Jānis Bērziņš (first lines)")
    for line in [ln for ln in document.splitlines() if ln.strip()][:8]:
        print(f"  {line}")
    foreign = intake["ludza"].http.get(
        f"/municipalities/daugavpils/applications/{janis.application_id}"
    )
    print(f"\n-- a Ludza caseworker reading a Daugavpils application: {foreign.status_code}")
    print(
        "\n-- events on NATS, per stream: "
        + ", ".join(f"{name} {n}" for name, n in sorted(count_events(nats_url).items()))
    )
