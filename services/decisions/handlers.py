"""Application layer: load an aggregate, decide, append, project, all on the caller's connection.

Callers own the transaction (``run_command`` for HTTP, the consumer for upstream events), so
the events, the read models, the idempotency key or the processed-event mark commit together
or not at all (architecture.md §5). A concurrent change of the same stream raises
``ConcurrencyError``; HTTP answers it with 409, a consumer retries the event.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.decisions.assistant import domain as assistant_domain
from services.decisions.assistant.domain import (
    AssignAssistant,
    Assignment,
    AssistantCommand,
    AssistantState,
    ClientGrant,
    RegisterAssistant,
)
from services.decisions.case import decide as case_domain
from services.decisions.case import state as case_state
from services.decisions.case.commands import CaseCommand, EndCase, MarkOverdue
from services.decisions.case.state import CASE, DECISION_TYPES, WITH_GRANT, CaseState
from services.decisions.documents.issued import fingerprinted
from services.decisions.domain import IllegalTransition, NotFound, assistant_stream, case_stream
from services.decisions.follow_up import follow_up
from services.decisions.read_models.issued_documents import store_issued
from services.decisions.read_models.projections import project
from shared.clock import riga_today
from shared.commands import execute
from shared.contracts.decisions import CaseEndReason, Official
from shared.events.envelope import Envelope, new_event_id
from shared.logging import get_logger
from shared.municipalities import ACTS_DATA
from shared.rules import Unit
from shared.runtime import ServiceRuntime
from shared.store.eventstore import ConcurrencyError, EventContext, EventStore
from shared.store.types import Connection

log = get_logger(__name__)


class DecisionsSettings(BaseSettings):
    """Settings of this service only, prefix ``ASIST_DECISIONS_``."""

    model_config = SettingsConfigDict(env_prefix="ASIST_DECISIONS_", extra="ignore")

    # How often the background job looks for cases past their deadline (rules.md §5.4).
    overdue_check_seconds: float = 900.0
    # legal.md §3 item 13: who signs, by token id (the digest in an event's actor):
    # {"<token id>": {"name": "…", "position": "…"}}. A token not named here signs as the
    # municipality's default official (shared.municipalities.ACTS_DATA).
    officials: dict[str, Official] = {}
    # legal.md §6: municipalities (slugs) that follow the Cabinet orders transferring
    # working days, so a transferred day off is not a working day in their terms.
    transferred_days_off: list[str] = []
    # legal.md §2: let the background job close cases whose grant reached its end date
    # (``CaseEnded``); off by default, ``POST …/cases/grant-end-check`` does it on demand.
    end_grants_in_background: bool = False


async def next_register_number(conn: Connection, municipality: str, year: int) -> str:
    """legal.md §3 item 2: the next number of the municipality's register for ``year``.

    The counter row stays locked until the caller's transaction ends: concurrent decisions
    wait and get consecutive numbers; a decision that rolls back returns its number.
    """
    number = await conn.fetchval(
        "insert into register_counters (municipality, year, last_number) values ($1, $2, 1)"
        " on conflict (municipality, year)"
        " do update set last_number = register_counters.last_number + 1"
        " returning last_number",
        municipality,
        year,
    )
    acts = ACTS_DATA.get(municipality)
    prefix = acts.register_prefix if acts else municipality.upper()
    return f"{prefix}/{year}/{number}"


def official_for(municipality: str, actor: str | None) -> Official | None:
    """legal.md §3 item 13: the official the deciding principal stands for."""
    token_id = (actor or "").rsplit(":", 1)[-1]
    named = DecisionsSettings().officials.get(token_id)
    if named is not None:
        return named
    acts = ACTS_DATA.get(municipality)
    return (
        None if acts is None else Official(name=acts.official_name, position=acts.official_position)
    )


async def stamp(
    conn: Connection, municipality: str, events: list[BaseModel], actor: str | None
) -> list[BaseModel]:
    """Give each decision its register number and signing official before it is stored:
    the document is written from the event, so both stay as issued (legal.md §3)."""
    stamped = []
    for event in events:
        if isinstance(event, DECISION_TYPES) and event.register_number is None:
            number = await next_register_number(conn, municipality, event.decided_on.year)
            official = official_for(municipality, actor)
            event = event.model_copy(update={"register_number": number, "official": official})
        stamped.append(event)
    return stamped


async def _project(conn: Connection, pairs: Sequence[tuple[Envelope, BaseModel]]) -> None:
    for envelope, event in pairs:
        await project(conn, envelope, event)


async def _append(
    conn: Connection,
    store: EventStore,
    stream_id: str,
    version: int,
    events: list[BaseModel],
    context: EventContext,
) -> None:
    envelopes = await store.append(conn, stream_id, version, events, context)
    await _project(conn, list(zip(envelopes, events, strict=True)))


async def load_case(
    conn: Connection, store: EventStore, case_id: str, municipality: str | None = None
) -> tuple[CaseState, int]:
    state, version = await store.load(
        conn, case_stream(case_id), case_state.CaseState(), case_state.evolve
    )
    if municipality is not None and not state.belongs_to(municipality):
        raise _not_found(case_id, municipality)
    return state, version


def _not_found(case_id: str, municipality: str) -> NotFound:
    # Another municipality's case is "not found": its existence is not ours to tell.
    return NotFound(
        f"no case {case_id} in {municipality}: a case opens when intake's "
        "ApplicationSubmitted event arrives, so an application submitted moments ago "
        "(or while the bus was down) may still be on its way; try again in a few "
        "seconds, and see intake's GET …/applications/{id}/delivery"
    )


async def run_case(
    conn: Connection,
    store: EventStore,
    case_id: str,
    command: CaseCommand,
    context: EventContext,
    municipality: str | None = None,
) -> tuple[CaseState, list[BaseModel]]:
    """Run ``command`` on the case; returns the new state and the events appended.

    The command pipeline of every service (``shared.commands.execute``): optimistic append,
    the whole load/decide/append retried on a version conflict, then ``ConcurrencyError``
    (HTTP 409; a consumer retries the event). Between ``decide`` and the append a decision
    gets its register number and is stored as issued (``_issue``), in the attempt's
    savepoint: a failed attempt gives its numbers back, so the register has no gaps.
    ``municipality``: the caller's, for whom another municipality's case does not exist.
    """

    def decide(state: CaseState) -> list[BaseModel]:
        if municipality is not None and not state.belongs_to(municipality):
            raise _not_found(case_id, municipality)
        return case_domain.decide(command, state)

    async def issue(conn: Connection, state: CaseState, events: list[BaseModel]) -> list[BaseModel]:
        if state.opened is None:
            return events
        events = await stamp(conn, state.opened.municipality, events, context.actor)
        # legal.md §3: the act as issued, stored with its hashes (issue #17).
        events, issued = fingerprinted(state, events)
        await store_issued(conn, issued)
        return events

    outcome = await execute(
        store, conn, context, CASE, CASE.stream(case_id), decide, prepare=issue, project=_project
    )
    state = outcome.before
    for event in outcome.events:
        state = case_state.evolve(state, event)
        # Issue #13, #17: terminations, held-back terminations and ends move assignments.
        await follow_up(conn, store, state, event, context, _append)
    return state, outcome.events


async def load_assistant(
    conn: Connection, store: EventStore, assistant_id: str, municipality: str
) -> tuple[AssistantState, int]:
    state, version = await store.load(
        conn, assistant_stream(assistant_id), AssistantState(), assistant_domain.evolve
    )
    if not state.belongs_to(municipality):
        raise NotFound(f"no assistant {assistant_id} in {municipality}")
    return state, version


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def _lock(conn: Connection, name: str) -> None:
    """A transaction-scoped advisory lock: commands on the same ``name`` run one at a time."""
    await conn.execute("select pg_advisory_xact_lock($1)", _lock_key(name))


async def register_assistant(
    conn: Connection, store: EventStore, command: RegisterAssistant, context: EventContext
) -> list[BaseModel]:
    # One registration per person and municipality: the lock makes "look, then register"
    # atomic between concurrent requests; the unique index is the last line of defence.
    await _lock(conn, f"assistant-person:{command.municipality}:{command.personal_code}")
    existing = await conn.fetchval(
        "select assistant_id from assistants where municipality = $1 and personal_code = $2",
        command.municipality,
        command.personal_code,
    )
    if existing is not None:
        raise IllegalTransition(f"this person is already registered as assistant {existing}")
    events = assistant_domain.decide(command, AssistantState())
    await _append(conn, store, assistant_stream(command.assistant_id), 0, events, context)
    return events


def client_grant(case_id: str, state: CaseState) -> ClientGrant:
    """A case as the assistant check sees it (rules.md §6.1), from the case's own events."""
    grant, last_day = state.grant, state.service_last_day
    if grant is None or last_day is None:
        return ClientGrant(case_id, False, Unit.WEEK, Decimal(0), date.min, date.min)
    in_force = state.status in WITH_GRANT and last_day >= grant.period_start
    return ClientGrant(case_id, in_force, grant.unit, grant.hours, grant.period_start, last_day)


async def assignments_of_person(
    conn: Connection, store: EventStore, personal_code: str, except_id: str
) -> tuple[Assignment, ...]:
    """The assignments of the person's other registrations (other municipalities), read from
    their own streams (the read model only finds the registrations)."""
    rows = await conn.fetch(
        "select assistant_id, municipality from assistants"
        " where personal_code = $1 and assistant_id <> $2 order by assistant_id",
        personal_code,
        except_id,
    )
    found: list[Assignment] = []
    for row in rows:
        other, _ = await load_assistant(conn, store, row["assistant_id"], row["municipality"])
        found.extend(other.assignments)
    return tuple(found)


@dataclass(frozen=True)
class Assign:
    assignment_id: str
    case_id: str
    assigned_from: date
    weekly_hours: Decimal | None


async def assign_assistant(
    conn: Connection,
    store: EventStore,
    assistant_id: str,
    municipality: str,
    request: Assign,
    context: EventContext,
) -> list[BaseModel]:
    # rules.md §6.1, 40 h/week across all clients: serialise the assistant's commands so the
    # second of two concurrent assignments reads the first and is refused with the reason;
    # the append's expected version would refuse it anyway, with a bare 409.
    await _lock(conn, f"assistant:{assistant_id}")
    state, version = await load_assistant(conn, store, assistant_id, municipality)
    target, _ = await load_case(conn, store, request.case_id, municipality)
    # rules.md §6.1, architecture.md §9: the same person registered in other municipalities
    # is one assistant for the limit. One lock per person, so that concurrent assignments
    # through two registrations see each other; their assignments count as this one's.
    assert state.registered is not None
    code = state.registered.personal_code
    await _lock(conn, f"assistant-load:{code}")
    everywhere = await assignments_of_person(conn, store, code, assistant_id)
    others = {}
    for case_id in sorted({a.case_id for a in (*state.assignments, *everywhere)}):
        other, _ = await load_case(conn, store, case_id)
        others[case_id] = client_grant(case_id, other)
    command = AssignAssistant(
        assignment_id=request.assignment_id,
        grant=client_grant(request.case_id, target),
        assigned_from=request.assigned_from,
        weekly_hours=request.weekly_hours,
        other_grants=others,
    )
    counted = replace(state, assignments=(*state.assignments, *everywhere))
    events = assistant_domain.decide(command, counted)
    await _append(conn, store, assistant_stream(assistant_id), version, events, context)
    return events


async def run_assistant(
    conn: Connection,
    store: EventStore,
    assistant_id: str,
    municipality: str,
    command: AssistantCommand,
    context: EventContext,
) -> list[BaseModel]:
    await _lock(conn, f"assistant:{assistant_id}")
    state, version = await load_assistant(conn, store, assistant_id, municipality)
    events = assistant_domain.decide(command, state)
    await _append(conn, store, assistant_stream(assistant_id), version, events, context)
    return events


async def mark_overdue_cases(
    conn: Connection,
    store: EventStore,
    today: date,
    municipality: str | None,
    actor: str,
    correlation_id: str | None = None,
) -> list[str]:
    """rules.md §5.4: record ``DecisionOverdue`` for each undecided case past its deadline.

    The read model only finds candidates; the case's own events decide, so the event is
    recorded once per case however often and however concurrently this runs: a second
    run finds it recorded, and a concurrent one fails on the stream version and skips.
    """
    rows = await conn.fetch(
        "select case_id, municipality from cases where status = 'open' and not overdue"
        " and decision_deadline < $1 and ($2::text is null or municipality = $2)"
        " order by decision_deadline, case_id",
        today,
        municipality,
    )
    marked = []
    for row in rows:
        context = EventContext(
            municipality=row["municipality"],
            correlation_id=correlation_id or new_event_id(),
            actor=actor,
        )
        try:
            _, events = await run_case(conn, store, row["case_id"], MarkOverdue(today), context)
        except ConcurrencyError:
            continue  # another writer changed the case meanwhile; the next run looks again
        if events:
            marked.append(row["case_id"])
    return marked


async def end_grants(
    conn: Connection,
    store: EventStore,
    today: date,
    municipality: str | None,
    actor: str,
    correlation_id: str | None = None,
) -> list[str]:
    """legal.md §2: a grant that reached its end date ends by its own term, without an act:
    ``CaseEnded`` for each case whose period ended before ``today`` (once per case: the
    case's own events decide; a concurrent writer makes it skip to the next run)."""
    rows = await conn.fetch(
        "select case_id, municipality from cases where status in ('granted', 'suspended')"
        " and period_end < $1 and ($2::text is null or municipality = $2)"
        " order by period_end, case_id",
        today,
        municipality,
    )
    ended = []
    for row in rows:
        context = EventContext(
            municipality=row["municipality"],
            correlation_id=correlation_id or new_event_id(),
            actor=actor,
        )
        command = EndCase(CaseEndReason.PERIOD_ENDED, None, today)
        try:
            async with conn.transaction():
                _, events = await run_case(conn, store, row["case_id"], command, context)
        except (ConcurrencyError, IllegalTransition):
            continue  # changed meanwhile, or an objection is pending: the next run looks
        if events:
            ended.append(row["case_id"])
    return ended


async def watch_overdue(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """Background job: look for overdue cases now and then every few minutes (rules.md §5.4)."""
    settings = DecisionsSettings()
    interval = settings.overdue_check_seconds
    while not stop.is_set():
        try:
            async with runtime.pool.acquire() as conn, conn.transaction():
                marked = await mark_overdue_cases(
                    conn, runtime.store, riga_today(), None, "decisions:overdue-watch"
                )
                # legal.md §2: grants past their end date close without an act (opt-in).
                ended = (
                    await end_grants(
                        conn, runtime.store, riga_today(), None, "decisions:grant-end-watch"
                    )
                    if settings.end_grants_in_background
                    else []
                )
            if marked:
                log.info("decisions.overdue", cases=marked)
            if ended:
                log.info("decisions.grants_ended", cases=ended)
        except Exception as error:  # keep watching: the next round may succeed
            log.warning("decisions.overdue_watch_failed", error=repr(error))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
