"""The demo behind ``./asist up``: caseworkers of two municipalities at work, over HTTP.

Applications arrive at the Daugavpils and Ludza social services on 2 November 2026 (one in
October, left undecided); caseworkers assess and decide them on the real today, within the
one-month term, with the service from the day of the application, so that November can be
reported and paid (grants and refusals by the rules of ``shared.rules``), register and
assign assistants, handle a hospital stay, notify a grant by registered letter (the day it
takes effect, the last day for an objection), see a termination held back by an objection,
and the October case shows up as overdue.
Everything goes through the services' public HTTP APIs and the bus, as a municipality's own
systems would; then come the time reports, the payments and the ministry's view.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from deploy import demo_reporting
from shared.clock import riga_today
from shared.rules import normalize_personal_code
from shared.rules.deadlines import latest_extended_deadline


def personal_code(birth: date, serial: int) -> str:
    """An old-format code (rules.md §10) with a correct check digit, for demo people."""
    century = {18: 0, 19: 1, 20: 2}[birth.year // 100]
    digits = f"{birth:%d%m%y}{century}{serial:03d}"
    weights = (1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = (1101 - sum(w * int(d) for w, d in zip(weights, digits, strict=True))) % 11 % 10
    return normalize_personal_code(f"{digits}{check}")


@dataclass
class Client:
    """One application and how its caseworker will decide it.

    Adults are decided under LV-2021 (rules.md §3.1, §4.2a): ``purposes`` with their proofs,
    the functional limitations in ``facts``, and the social service's assessment result
    ``facts["needs"]`` (need_not_established, intensity_level_1 or intensity_level_2).
    """

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
    # Issue #13: the caseworker extends the deadline (APL 64(2)) and decides later, or
    # refuses because the declared residence is in this other municipality (rules.md §3.5).
    extend_deadline: bool = False
    declared_in: str | None = None
    purposes: list[tuple[str, str]] = field(default_factory=list)  # (purpose, proof)
    application_id: str = ""
    outcome: str = ""
    extra: list[str] = field(default_factory=list)


MOBILITY = {"disability_group": 2, "functional_limitations": ["mobility"]}
CLIENTS = [
    Client(
        "daugavpils",
        "Jānis",
        "Bērziņš",
        date(1985, 3, 12),
        date(2026, 11, 2),
        [],
        MOBILITY | {"needs": "intensity_level_1"},
        purposes=[("work_study_sport", "Darba devēja izziņa")],
    ),
    Client(
        "daugavpils",
        "Anna",
        "Kalniņa",
        date(1999, 7, 1),
        date(2026, 11, 2),
        [],
        {
            "disability_group": 1,
            "vision_disability": True,
            "functional_limitations": ["vision"],
            "needs": "intensity_level_2",
        },
        vision_benefit=True,  # rules.md §4.2: the vision benefit rule is LV-2013 only
        purposes=[("work_study_sport", "Augstskolas izziņa par studijām")],
    ),
    Client(
        "daugavpils",
        "Marta",
        "Ozola",
        date(2017, 5, 20),
        date(2026, 11, 2),
        [],
        {"opinion": "special_care", "weekly_medical_procedures": True},
        representative=True,
    ),
    Client(
        "daugavpils",
        "Pēteris",
        "Liepa",
        date(1970, 1, 15),
        date(2026, 11, 2),
        [],
        {"disability_group": 3, "functional_limitations": ["mobility"]},
        purposes=[("work_study_sport", "Darba līgums")],
    ),
    Client(
        "ludza",
        "Ilze",
        "Krūmiņa",
        date(1962, 9, 9),
        date(2026, 11, 2),
        [],
        {
            "disability_group": 1,
            "functional_limitations": ["mental"],
            "group1_since_childhood_special_care": True,
            "needs": "intensity_level_1",
        },
        purposes=[("childhood_group1_daycare", "Dienas aprūpes centra līgums")],
    ),
    Client(
        "ludza",
        "Oskars",
        "Vītols",
        date(1990, 2, 2),
        date(2026, 11, 2),
        [],
        MOBILITY | {"needs": "intensity_level_1"},
        withdraw=True,
        purposes=[("work_study_sport", "Darba līgums")],
    ),
    Client(
        "ludza",
        "Laura",
        "Zariņa",
        date(1978, 12, 24),
        date(2026, 10, 12),
        [],
        MOBILITY | {"needs": "intensity_level_1"},
        leave_undecided=True,
        purposes=[("school_board", "Biedrības valdes lēmums")],
    ),
    Client(
        "ludza",
        "Gunta",
        "Kalēja",
        date(1958, 4, 18),
        date(2026, 11, 2),
        [],
        MOBILITY | {"needs": "need_not_established"},
        purposes=[("volunteer_daycare_treatment", "Dienas centra izziņa")],
    ),
]
# Issue #13: received a few days ago (so its deadline is still ahead when the demo runs),
# the facts need longer: the deadline is extended, with a written notice.
CLIENTS.append(
    Client(
        "daugavpils",
        "Rasma",
        "Priede",
        date(1966, 8, 30),
        riga_today() - timedelta(days=3),
        [],
        MOBILITY | {"needs": "intensity_level_1"},
        extend_deadline=True,
        purposes=[("work_study_sport", "Darba devēja izziņa")],
    )
)
# Applied in Daugavpils, declared in Ludza: refused with RESIDENCE_ELSEWHERE (rules.md §3.5).
CLIENTS.append(
    Client(
        "daugavpils",
        "Valdis",
        "Sproģis",
        date(1981, 1, 21),
        date(2026, 11, 2),
        [],
        MOBILITY | {"needs": "intensity_level_1"},
        declared_in="ludza",
        purposes=[("work_study_sport", "Darba līgums")],
    )
)
# The service runs from the day of the application (received 2 November; decided on the
# last day of the one-month term, rules.md §5.4), so November can be reported and paid.
PERIOD_START = date(2026, 11, 2)
DEMO_NAMESPACE = uuid.UUID("5a1c0de5-0000-4000-8000-00000000a515")
# APL 62 (issue #17): before an unfavourable act the person is asked for their view, here by
# letter on 9 November with a week to answer; the answer came on 13 November.
HEARING = {
    "method": "letter",
    "asked_on": "2026-11-09",
    "answer_by": "2026-11-16",
    "answered_on": "2026-11-13",
    "view": "Persona iebilst",
    "weighed": "Personas viedoklis izvērtēts; tas nemaina konstatētos faktus",
}


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


def town(client: Client) -> str:
    return (client.declared_in or client.municipality).capitalize()


def application_body(client: Client, serial: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "in_person",
        "received_on": client.received_on.isoformat(),
        "applicant": {
            "personal_code": personal_code(client.birth_date, serial),
            "first_name": client.first_name,
            "last_name": client.last_name,
            "birth_date": client.birth_date.isoformat(),
            "declared_address": f"Vienības iela {serial}, {town(client)}",
            "phone": f"+371 2{serial:07d}",
        },
        "activities": [{"kind": k, "hours_per_week": h} for k, h in client.activities],
        "receives_vision_benefit": client.vision_benefit,
        "weekly_medical_procedures": bool(client.facts.get("weekly_medical_procedures")),
        # Not before the receipt: a grant never starts before the application (legal.md §6).
        "requested_start": max(PERIOD_START, client.received_on).isoformat(),
        # rules.md §3.1, §4.2a: what an adult is assessed on under LV-2021.
        "purposes": [{"purpose": p, "proof": proof} for p, proof in client.purposes],
        "functional_limitations": client.facts.get("functional_limitations", []),
        "group1_since_childhood_special_care": bool(
            client.facts.get("group1_since_childhood_special_care")
        ),
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
                {"reason": "moved to Rēzekne", "withdrawn_on": "2026-11-05"},
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
        if client.extend_deadline or client.declared_in:
            acts_stage(api, case, client)
            continue
        api.post(f"{case}/assessment", assessment_facts(client), expect=201)
        # The hearing is recorded with every decision: a refusal needs it (APL 62).
        body = {"period_start": PERIOD_START.isoformat(), "hearing": HEARING}
        decided = api.post(f"{case}/decision", body, expect=201).json()["decision"]
        client.outcome = describe(decided)


def acts_stage(api: Api, case: str, client: Client) -> None:
    """Issue #13: a deadline extension with its notice (APL 64(2), legal.md §6), and a
    refusal because the declared residence is in another municipality (rules.md §3.5)."""
    if client.extend_deadline:
        new_deadline = latest_extended_deadline(client.received_on)
        reason = "Gaidām VDEĀVK atzinumu un darba devēja izziņu par darba laiku"
        notice = api.post(
            f"{case}/deadline-extension",
            {"new_deadline": new_deadline.isoformat(), "reason": reason},
            expect=201,
        ).json()["decision"]
        data = notice["data"]
        client.outcome = (
            f"deadline extended from {data['previous_deadline']} to {data['new_deadline']} "
            f"(DeadlineExtended, notice {data['register_number']})"
        )
    elif client.declared_in:
        refused = api.post(
            f"{case}/residence-refusal",
            {
                "declared_municipality": client.declared_in,
                "person_view": "Persona apliecina, ka dzīvo Ludzā, un lūdz pārsūtīt iesniegumu.",
                "hearing": HEARING,
            },
            expect=201,
        ).json()["decision"]
        client.outcome = describe(refused)


def assessment_facts(client: Client) -> dict[str, Any]:
    """The verified facts; an adult's needs assessment is the social service's own (§3.1)."""
    facts = {k: v for k, v in client.facts.items() if k != "needs"} | {
        "activities": [{"kind": k, "hours_per_week": h} for k, h in client.activities],
        "receives_vision_benefit": client.vision_benefit,
        "disability_valid_until": "2029-06-30",
        "purposes": [{"purpose": p, "proof": proof} for p, proof in client.purposes],
    }
    if "needs" in client.facts:
        assessed_on = min(client.received_on + timedelta(days=7), riga_today())
        facts["needs_assessment"] = {
            "result": client.facts["needs"],
            "assessor": "Inga Vanaga, sociālā darbiniece",
            "assessed_on": assessed_on.isoformat(),
        }
    return facts


def describe(decision: dict[str, Any]) -> str:
    """One line per decision: hours and unit, and for an LV-2021 adult purpose and level."""
    data = decision["data"]
    if decision["type"] == "ApplicationRefused":
        return "refused: " + ", ".join(data["reasons"])
    why = ""
    if data.get("purpose"):
        why = f" for {data['purpose']} at intensity level {data['intensity_level']}"
    return (
        f"granted {data['hours']} h/{data['unit']}{why}, {data['period_start']} … "
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
    # Decided after the stay began: it reaches back to the stay, a dated fact the act names.
    stay = {"kind": "hospital_stay", "on": "2026-11-16", "source": "Slimnīcas izziņa"}
    dgp.post(
        f"{case}/suspension",
        {
            "reason": "inpatient",
            "suspended_from": "2026-11-16",
            "note": "hospital stay",
            "dated_fact": stay,
            "hearing_exception": {
                "reason": "facts_from_person",
                "explanation": "Par uzturēšanos slimnīcā paziņoja pati persona",
            },
        },
        expect=201,
    )
    dgp.post(f"{case}/resumption", {"resumed_on": "2026-11-21"}, expect=201)
    janis.extra.append("suspended 2026-11-16 for a hospital stay, resumed 2026-11-21")


def after_signature(decisions: dict[str, Api]) -> None:
    """Issue #17 (legal.md §5–§6): a grant notified by registered letter, with the day it
    takes effect and the last day for an objection; a termination held back by an objection."""
    print("\n-- after the signature: notification, entry into force, objection")
    dgp = decisions["daugavpils"]
    janis, anna = CLIENTS[0], CLIENTS[1]
    today = riga_today()
    case = f"/municipalities/daugavpils/cases/{janis.application_id}"
    letter = {"method": "registered_letter", "sent_on": today.isoformat()}
    sent = dgp.post(f"{case}/decisions/1/notification", letter)
    if sent.status_code == 409:  # the demo ran before on this stack: already notified
        notified = dgp.get(case).json()["decisions"][0]["notification"]
    else:
        notified = sent.json()["notification"]
    print(
        f"  Jānis Bērziņš's grant: registered letter posted {notified['sent_on']}, counts as "
        f"received {notified['notified_on']}, in effect {notified['effective_on']}, "
        f"objection possible until {notified['objection_deadline']}"
    )
    janis.extra.append(
        f"grant in effect from {notified['effective_on']} (registered letter), "
        f"objection until {notified['objection_deadline']}"
    )
    case = f"/municipalities/daugavpils/cases/{anna.application_id}"
    ends = today + timedelta(days=30)
    terminated = dgp.post(
        f"{case}/termination",
        {
            "reason": "not_used",
            "terminated_from": ends.isoformat(),
            "note": "Pakalpojums netiek izmantots",
            "hearing": HEARING,
        },
    )
    if terminated.status_code == 201:
        dgp.post(
            f"{case}/decisions/2/notification",
            {"method": "in_person", "sent_on": today.isoformat()},
            expect=201,
        )
        dgp.post(
            f"{case}/objections",
            {"decision_number": 2, "filed_on": today.isoformat(), "filed_by": "Anna Kalniņa"},
            expect=201,
        )
    view = dgp.get(case).json()
    objection = view["objections"][0] if view["objections"] else None
    held = objection is not None and objection["holds_back"] and objection["status"] == "pending"
    print(
        f"  Anna Kalniņa: termination from {ends} decided and handed over today; she objected "
        f"the same day, so it is held back: the case is '{view['status']}', the service goes on"
        if held
        else f"  Anna Kalniņa: {view['status']}"
    )
    if held:
        anna.extra.append(
            f"termination from {ends} held back by her objection (pending with the council)"
        )


def overdue(decisions: dict[str, Api]) -> None:
    """The operators' deadline check (the service also runs it by itself every few minutes)."""
    decisions["ludza"].post("/municipalities/ludza/cases/overdue-check", {}, expect=200)
    late = next(c for c in CLIENTS if c.leave_undecided)
    case = decisions["ludza"].get(f"/municipalities/ludza/cases/{late.application_id}").json()
    late.outcome = (
        f"undecided, deadline {case['decision_deadline']} passed: overdue since "
        f"{case['overdue_recorded_on']} (DecisionOverdue)"
    )


EXAMPLES = Path(__file__).resolve().parents[1] / ".local" / "documents"


def write_example_pdfs(dgp: Api) -> None:
    """docs/decisions.md: example PDFs of a grant, an extension notice and a residence
    refusal, printed by the service from the same template as the HTML (legal.md §3–§4)."""
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    examples = {
        "lemums-pieskirsana.pdf": CLIENTS[0],
        "pazinojums-termina-pagarinasana.pdf": next(c for c in CLIENTS if c.extend_deadline),
        "lemums-atteikums-dzivesvieta.pdf": next(c for c in CLIENTS if c.declared_in),
    }
    print("\n-- example decision documents (PDF, A4)")
    for name, client in examples.items():
        path = f"/municipalities/daugavpils/cases/{client.application_id}"
        reply = dgp.http.get(f"{path}/decisions/1/document?format=pdf")
        if reply.status_code != 200:
            print(f"  {name}: {reply.status_code} {reply.text[:200]}")
            continue
        (EXAMPLES / name).write_bytes(reply.content)
        print(f"  {EXAMPLES / name} ({len(reply.content):,} bytes)")


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
    after_signature(decisions)
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
    print("\n-- the decision document of Jānis Bērziņš (heading, number, subject, decision)")
    lines = [ln for ln in document.splitlines() if ln.strip()]
    keys = ("Piešķirtais apjoms", "Periods:", "Lēmumu var apstrīdēt", "DOKUMENTS IR")
    for line in lines[:7] + [ln for ln in lines[7:] if ln.startswith(keys)]:
        print(f"  {line[:150]}{'…' if len(line) > 150 else ''}")
    write_example_pdfs(decisions["daugavpils"])
    foreign = intake["ludza"].http.get(
        f"/municipalities/daugavpils/applications/{janis.application_id}"
    )
    print(f"\n-- a Ludza caseworker reading a Daugavpils application: {foreign.status_code}")
    from deploy.demo_timesheets import play_timesheets  # the next stage: time reports

    play_timesheets(urls, tokens, decisions)

    from deploy.demo_payments import play_payments  # then pay November

    play_payments(urls, tokens)
    print(
        "\n-- events on NATS, per stream: "
        + ", ".join(f"{name} {n}" for name, n in sorted(count_events(nats_url).items()))
    )
    # The reporting stage comes last: it shows what every stage before it added up to.
    demo_reporting.show(urls, tokens, f"{PERIOD_START:%Y-%m}")
