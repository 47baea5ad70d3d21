"""Application layer of payment runs: plan, open, approve, record returns.

Everything runs on the caller's connection and transaction (``CommandContext.run`` for
HTTP), so the events, their read models, the bank file and the idempotency key commit
together or not at all (architecture.md §5); each command on a run goes through the shared
pipeline (``on_run``: shared/commands.py). Commands on one municipality's month are
serialised by an advisory lock, so a plan is never computed from rows another approval is
changing; the run's stream version refuses a second approval even without it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from services.payments import run_domain
from services.payments.bank_file import BankFile, Transfer, build_bank_file
from services.payments.domain import (
    IllegalTransition,
    NotFound,
    check_month_closed,
    run_belongs_to,
    run_id_for,
)
from services.payments.planning import Plan, plan
from services.payments.projections import project_all
from services.payments.queries import accounts, runs_of_month
from services.payments.run_domain import RUN, ApproveRun, OpenRun, RunState
from shared.commands import Decide, Outcome, execute, load
from shared.contracts.payments import (
    PaymentBatchExported,
    PaymentIssued,
    PaymentReissued,
    RunKind,
)
from shared.events.envelope import Envelope, new_event_id
from shared.municipalities import get_municipality
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection

ZERO = Decimal("0.00")


def new_payment_id() -> str:
    """A UUIDv7 without hyphens: 32 characters, within the 35 of a SEPA end-to-end id."""
    return new_event_id().replace("-", "")


def lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def lock_month(conn: Connection, municipality: str, month: str) -> None:
    await conn.execute(
        "select pg_advisory_xact_lock($1)", lock_key(f"payments:{municipality}:{month}")
    )


async def load_run(conn: Connection, store: EventStore, run_id: str, municipality: str) -> RunState:
    """The run's state; another municipality's run is "not found": its existence is not
    ours to tell."""
    state, _ = await load(store, conn, RUN, RUN.stream(run_id), municipality)
    if state.opened is None or not run_belongs_to(run_id, municipality):
        raise NotFound(f"no payment run {run_id} in {municipality}")
    return state


async def project_appended(
    conn: Connection, appended: Sequence[tuple[Envelope, BaseModel]]
) -> None:
    """The read models of one append (the pipeline's ``project``)."""
    await project_all(conn, [envelope for envelope, _ in appended], [e for _, e in appended])


async def on_run(
    conn: Connection,
    store: EventStore,
    context: EventContext,
    run_id: str,
    decide: Decide[RunState],
    *,
    new_stream: bool = False,
) -> Outcome[RunState]:
    """One command on the run ``run_id``, through the shared pipeline (shared/commands.py):
    load, ``decide``, append with the version read (retried on a conflict), project."""
    return await execute(
        store,
        conn,
        context,
        RUN,
        RUN.stream(run_id),
        decide,
        project=project_appended,
        new_stream=new_stream,
    )


async def open_run(
    conn: Connection,
    store: EventStore,
    context: EventContext,
    month: str,
    reissue: bool,
    today: date,
) -> tuple[str, Plan]:
    """rules.md §8.1: open the month's run (regular, then supplementary, or a re-issue)."""
    municipality = context.municipality
    check_month_closed(month, today)
    await lock_month(conn, municipality, month)
    earlier = await runs_of_month(conn, municipality, month)
    draft = next((r["run_id"] for r in earlier if r["status"] == "draft"), None)
    if draft is not None:
        raise IllegalTransition(
            f"payment run {draft} of {month} is still a draft: approve it first"
        )
    kind: RunKind = "reissue" if reissue else ("supplementary" if earlier else "regular")
    found = await plan(conn, municipality, month, kind)
    if found.empty:
        what = "no returned payment with a corrected IBAN" if reissue else "nothing unpaid"
        raise IllegalTransition(f"{what} for {month} in {municipality}")
    run_id = run_id_for(municipality, month, kind, len(earlier) + 1)
    command = OpenRun(run_id, month, kind, today, context.actor or "", found.totals)
    # The id is the next number of the month: no stream to read (a run that exists anyway
    # conflicts, and the pipeline's second attempt refuses it as already open).
    await on_run(
        conn,
        store,
        context,
        run_id,
        lambda state: run_domain.decide(command, state),
        new_stream=True,
    )
    return run_id, found


async def preview(conn: Connection, store: EventStore, municipality: str, run_id: str) -> Plan:
    state = await load_run(conn, store, run_id, municipality)
    assert state.opened is not None
    return await plan(conn, municipality, state.opened.month, state.opened.kind)


async def approve_run(
    conn: Connection,
    store: EventStore,
    context: EventContext,
    run_id: str,
    today: date,
    expected_total: Decimal | None = None,
) -> list[BaseModel]:
    """Four eyes, then every payment, the bank file and its record in one append."""
    municipality = context.municipality
    actor = context.actor or ""
    # The guards first, before the (costly) plan; the pipeline loads the run again under
    # the month's lock, and ``decide`` checks them again on that stable state.
    opened = run_domain.check_may_approve(await load_run(conn, store, run_id, municipality), actor)
    await lock_month(conn, municipality, opened.month)
    found = await plan(conn, municipality, opened.month, opened.kind)
    totals = found.totals
    if expected_total is not None and expected_total != totals.money.total_cost:
        raise IllegalTransition(
            f"the run now costs {totals.money.total_cost} EUR, not {expected_total}: hours "
            "changed since the preview; look at it again before approving"
        )
    issued = [
        PaymentIssued(
            payment_id=new_payment_id(),
            run_id=run_id,
            assistant_id=p.assistant_id,
            month=opened.month,
            tax_status=p.tax_status.value,
            hours=p.hours,
            money=p.money,
            lines=p.lines,
            recovered=p.recovered,
        )
        for p in found.payments
    ]
    reissued = [
        PaymentReissued(
            payment_id=new_payment_id(),
            original_payment_id=r.original_payment_id,
            run_id=run_id,
            assistant_id=r.assistant_id,
            month=opened.month,
            amount=r.amount,
        )
        for r in found.reissues
    ]
    transfers = await _transfers(conn, issued)
    transfers += [
        Transfer(event.payment_id, r.name, r.iban, r.amount)
        for event, r in zip(reissued, found.reissues, strict=True)
    ]
    file = None
    if transfers:
        file = build_bank_file(
            get_municipality(municipality), run_id, opened.month, today, transfers
        )
    export = None if file is None else _exported(run_id, opened.month, today, file)
    command = ApproveRun(today, actor, totals, issued, reissued, export)
    outcome = await on_run(
        conn, store, context, run_id, lambda state: run_domain.decide(command, state)
    )
    if file is not None:
        await _store_file(conn, municipality, run_id, file, transfers, issued, reissued)
    return outcome.events


async def _transfers(conn: Connection, issued: list[PaymentIssued]) -> list[Transfer]:
    known = await accounts(conn, [p.assistant_id for p in issued])
    transfers = []
    for payment in issued:
        amount = max(ZERO, payment.money.net - payment.recovered)
        if amount > 0:  # rules.md §8: never a negative (or empty) transfer
            name, iban = known[payment.assistant_id]
            transfers.append(Transfer(payment.payment_id, name, iban, amount))
    return transfers


def _exported(run_id: str, month: str, today: date, file: BankFile) -> PaymentBatchExported:
    return PaymentBatchExported(
        run_id=run_id,
        month=month,
        file_name=file.file_name,
        file_sha256=file.sha256,
        message_id=file.message_id,
        transactions=file.transactions,
        control_sum=file.control_sum,
        exported_on=today,
    )


async def _store_file(
    conn: Connection,
    municipality: str,
    run_id: str,
    file: BankFile,
    transfers: list[Transfer],
    issued: list[PaymentIssued],
    reissued: list[PaymentReissued],
) -> None:
    await conn.execute(
        "insert into bank_files (file_sha256, run_id, municipality, file_name, content)"
        " values ($1, $2, $3, $4, $5)",
        file.sha256,
        run_id,
        municipality,
        file.file_name,
        file.content,
    )
    assistant = {p.payment_id: p.assistant_id for p in issued} | {
        p.payment_id: p.assistant_id for p in reissued
    }
    await conn.executemany(
        "insert into transfers (payment_id, run_id, municipality, assistant_id, amount, iban)"
        " values ($1, $2, $3, $4, $5, $6)",
        [
            (t.payment_id, run_id, municipality, assistant[t.payment_id], t.amount, t.iban)
            for t in transfers
        ],
    )
