"""shared/row_statements.py: one SQL statement with an event's fields as arguments, and
every table of such statements names fields its events have (a misspelt name would only
fail on the first delivery of that event)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import pytest
from pydantic import BaseModel

import shared.contracts  # noqa: F401  (registers the event types)
from services.payments import in_effect, upstream
from services.timesheets.grants.projection import STATEMENTS
from shared.contracts.decisions import ServiceSuspended, SuspensionReason
from shared.events.envelope import Envelope
from shared.events.registry import registry
from shared.row_statements import RowStatement
from shared.store.types import Connection


class Recording:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    async def execute(self, sql: str, *args: Any) -> str:
        self.calls.append((sql, args))
        return "OK"


SUSPENDED = ServiceSuspended(
    case_id="case-1",
    decision_number=2,
    decided_on=date(2026, 11, 3),
    reason=next(iter(SuspensionReason)),
    suspended_from=date(2026, 11, 5),
)


async def test_the_fields_are_the_arguments_in_order_and_an_enum_is_its_value() -> None:
    statement = RowStatement.of("select $1, $2, $3", "suspended_from reason case_id")
    conn = Recording()
    await statement(cast(Connection, conn), cast(Envelope, None), SUSPENDED)
    reason = next(iter(SuspensionReason)).value
    assert conn.calls == [("select $1, $2, $3", (date(2026, 11, 5), reason, "case-1"))]
    assert type(conn.calls[0][1][1]) is str, "the enum's value, not the enum"


async def test_as_an_event_handler_it_ignores_the_envelope() -> None:
    statement = RowStatement.of("select $1", "case_id")
    conn = Recording()
    await statement(cast(Connection, conn), cast(Envelope, None), SUSPENDED)
    assert conn.calls == [("select $1", ("case-1",))]


def _contract(name: str) -> type[BaseModel]:
    return registry.latest("decisions", name).model


STATEMENT_TABLES = [
    *((name, h) for name, h in upstream.DECISIONS.items() if isinstance(h, RowStatement)),
    ("CaseEnded", in_effect.case_ended),
    *((t.__name__, s) for t, statements in STATEMENTS.items() for s in statements),
]


@pytest.mark.parametrize(("event", "statement"), STATEMENT_TABLES)
def test_every_statement_names_fields_of_its_event(event: str, statement: RowStatement) -> None:
    fields = _contract(event).model_fields
    assert set(statement.fields) <= set(fields), set(statement.fields) - set(fields)
    assert statement.sql.count("$") >= len(set(statement.fields))
