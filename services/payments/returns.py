"""Recording the bank's returns: each returned payment becomes ``PaymentReturned`` on its run."""

from __future__ import annotations

from datetime import date
from functools import partial

from pydantic import BaseModel

from services.payments import run_domain
from services.payments.bank_returns import BankReturn
from services.payments.domain import FieldError, InvalidCommand
from services.payments.handlers import load_run, lock_month, on_run
from services.payments.run_domain import ReturnPayment
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection


async def record_returns(
    conn: Connection,
    store: EventStore,
    context: EventContext,
    returns: list[BankReturn],
    today: date,
) -> list[BaseModel]:
    """Each returned payment becomes ``PaymentReturned`` on its run (once, however often
    the same report is uploaded); an id that is not this municipality's payment is refused."""
    municipality = context.municipality
    runs: dict[str, list[BankReturn]] = {}
    errors = []
    for index, item in enumerate(returns):
        run_id = await conn.fetchval(
            "select run_id from payments where payment_id = $1 and municipality = $2",
            item.payment_id,
            municipality,
        )
        if run_id is None:
            errors.append(
                FieldError(f"returns[{index}]", f"no payment {item.payment_id} in {municipality}")
            )
        else:
            runs.setdefault(run_id, []).append(item)
    if errors:
        raise InvalidCommand(errors)
    recorded: list[BaseModel] = []
    for run_id, items in sorted(runs.items()):
        state = await load_run(conn, store, run_id, municipality)
        await lock_month(conn, municipality, state.opened.month if state.opened else "")
        commands = [ReturnPayment(item.payment_id, item.reason_code, today) for item in items]
        outcome = await on_run(
            conn, store, context, run_id, partial(run_domain.return_payments, commands)
        )
        recorded.extend(outcome.events)
    return recorded
