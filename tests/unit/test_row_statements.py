"""shared/row_statements.py: one SQL statement with an event's fields as arguments, and
every table of such statements names fields its events have (a misspelt name would only
fail on the first delivery of that event)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import pytest
from pydantic import BaseModel

import shared.contracts  # noqa: F401  (registers the event types)
from services.payments import upstream  # noqa: F401  (registers its handlers)
from services.payments.upstream_registry import DECISIONS, by_name
from services.timesheets.grants.projection import STATEMENTS
from shared.aggregate import ByType
from shared.contracts.decisions import ServiceSuspended, SuspensionReason
from shared.events.envelope import Envelope
from shared.events.registry import registry
from shared.row_statements import Projector, RowStatement, projection_by_type
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


async def test_a_projection_by_type_applies_the_function_of_the_events_type_only() -> None:
    projectors: ByType[Projector] = ByType("a projection")
    projectors.add(ServiceSuspended, RowStatement.of("select $1", "case_id"))
    project = projection_by_type(projectors)
    conn = Recording()
    await project(cast(Connection, conn), cast(Envelope, None), SUSPENDED)
    await project(cast(Connection, conn), cast(Envelope, None), Unshown(note="no function"))
    assert conn.calls == [("select $1", ("case-1",))]


class Unshown(BaseModel):
    note: str


def _contract(name: str) -> type[BaseModel]:
    return registry.latest("decisions", name).model


STATEMENT_TABLES = [
    # payments' (upstream.py's table, in_effect.py's CaseEnded), registered by event type
    *((name, h) for name, h in by_name(DECISIONS).items() if isinstance(h, RowStatement)),
    *((t.__name__, s) for t, statements in STATEMENTS.items() for s in statements),
]


@pytest.mark.parametrize(("event", "statement"), STATEMENT_TABLES)
def test_every_statement_names_fields_of_its_event(event: str, statement: RowStatement) -> None:
    fields = _contract(event).model_fields
    assert set(statement.fields) <= set(fields), set(statement.fields) - set(fields)
    assert statement.sql.count("$") >= len(set(statement.fields))
