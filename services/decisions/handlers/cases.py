"""Commands on a case: on the shared command pipeline, for HTTP, intake's events and the
deadline checks (``CASE_HANDLERS``, which app.py gives the routes and the consumer)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel

from services.decisions.case import decide as case_domain
from services.decisions.case import state as case_state
from services.decisions.case.after_signature import EndCase
from services.decisions.case.commands import MarkOverdue
from services.decisions.case.decide import CaseCommand
from services.decisions.case.state import CASE, CaseState
from services.decisions.documents.model import fingerprinted
from services.decisions.domain import IllegalTransition
from services.decisions.handlers.follow_up import follow_up
from services.decisions.handlers.ports import CaseHandlers
from services.decisions.handlers.register import stamp
from services.decisions.handlers.streams import not_found, project_each
from services.decisions.read_models.issued_documents import store_issued
from services.decisions.settings import DecisionsSettings
from shared.clock import riga_today
from shared.commands import execute
from shared.contracts.decisions import CaseEndReason
from shared.events.envelope import new_event_id
from shared.logging import get_logger
from shared.runtime import ServiceRuntime
from shared.store.eventstore import ConcurrencyError, EventContext, EventStore
from shared.store.types import Connection

log = get_logger(__name__)


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
            raise not_found(case_id, municipality)
        return case_domain.decide(command, state)

    async def issue(conn: Connection, state: CaseState, events: list[BaseModel]) -> list[BaseModel]:
        if state.opened is None:
            return events
        events = await stamp(conn, state.opened.municipality, events, context.actor)
        # legal.md §3: the act as issued, stored with its hashes (issue #17).
        events, issued = fingerprinted(state, events)
        await store_issued(conn, issued)
        return events

    stream_id = CASE.stream(case_id)
    outcome = await execute(
        store, conn, context, CASE, stream_id, decide, prepare=issue, project=project_each
    )
    state = outcome.before
    for event in outcome.events:
        state = case_state.evolve(state, event)
        # Issue #13, #17: terminations, held-back terminations and ends move assignments.
        await follow_up(conn, store, state, event, context)
    return state, outcome.events


@dataclass(frozen=True)
class Sweep:
    """A command for every case the read model names as a candidate; the case's own events
    decide, so each event is recorded once per case however often and however concurrently
    a sweep runs: a second run finds it recorded, a concurrent one fails on the stream
    version (or finds the case changed) and skips the case until the next run."""

    candidates: str  # select case_id, municipality …; $1 today, $2 municipality or null
    command: Callable[[date], CaseCommand]
    skipped: tuple[type[Exception], ...]

    async def run(
        self,
        conn: Connection,
        store: EventStore,
        today: date,
        municipality: str | None,
        actor: str,
        correlation_id: str | None = None,
    ) -> list[str]:
        """The ids of the cases the command changed."""
        changed = []
        for row in await conn.fetch(self.candidates, today, municipality):
            context = EventContext(
                municipality=row["municipality"],
                correlation_id=correlation_id or new_event_id(),
                actor=actor,
            )
            try:
                async with conn.transaction():  # a skipped case leaves nothing behind
                    command = self.command(today)
                    _, events = await run_case(conn, store, row["case_id"], command, context)
            except self.skipped:
                continue
            if events:
                changed.append(row["case_id"])
        return changed


OVERDUE = Sweep(
    # rules.md §5.4: record ``DecisionOverdue`` for each undecided case past its deadline.
    "select case_id, municipality from cases where status = 'open' and not overdue"
    " and decision_deadline < $1 and ($2::text is null or municipality = $2)"
    " order by decision_deadline, case_id",
    MarkOverdue,
    (ConcurrencyError,),
)
GRANT_ENDS = Sweep(
    # legal.md §2: a grant that reached its end date ends by its own term, without an act:
    # ``CaseEnded`` for each case whose period ended before today. An objection pending
    # refuses it (IllegalTransition): the next run looks again.
    "select case_id, municipality from cases where status in ('granted', 'suspended')"
    " and period_end < $1 and ($2::text is null or municipality = $2)"
    " order by period_end, case_id",
    lambda today: EndCase(CaseEndReason.PERIOD_ENDED, None, today),
    (ConcurrencyError, IllegalTransition),
)


# What the edges run (handlers/ports.py): app.py hands it to the routes and the consumer.
CASE_HANDLERS = CaseHandlers[CaseCommand](run_case, OVERDUE.run, GRANT_ENDS.run)


async def watch_overdue(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """Background job: look for overdue cases now and then every few minutes (rules.md §5.4)."""
    settings = DecisionsSettings()
    interval = settings.overdue_check_seconds
    while not stop.is_set():
        try:
            async with runtime.pool.acquire() as conn, conn.transaction():
                marked = await OVERDUE.run(
                    conn, runtime.store, riga_today(), None, "decisions:overdue-watch"
                )
                # legal.md §2: grants past their end date close without an act (opt-in).
                ended = (
                    await GRANT_ENDS.run(
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
