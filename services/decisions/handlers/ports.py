"""What the edges run of the application layer, as types; ``app.py`` binds them.

The routes (``api/``) and the intake consumer run commands on cases through these types,
and ``app.py``, the composition root, binds them to ``handlers/cases.py``. So no edge
imports the module that loads, decides and appends, which imports the whole case package
below it: a chain of imports through an edge would be one file longer than issue #8's
bound of six (docs/decisions.md, "Layout"). ``CommandT`` is the command a runner takes,
``case.decide.CaseCommand``, named where a runner is bound or called: this module cannot
import that union without lengthening every chain through it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from pydantic import BaseModel

from services.decisions.case.state import CaseState
from shared.store.eventstore import EventContext, EventStore
from shared.store.types import Connection

CommandT = TypeVar("CommandT")

# handlers/cases.py ``run_case``: (conn, store, case id, command, who causes the events, the
# caller's municipality or None for any) -> the case after the command, the events appended.
RunCase = Callable[
    [Connection, EventStore, str, CommandT, EventContext, str | None],
    Awaitable[tuple[CaseState, list[BaseModel]]],
]
# A check over many cases (handlers/cases.py ``Sweep.run``): (conn, store, today, the
# municipality or None for all, actor, correlation id or None for one per case) -> the ids
# of the cases it changed.
RunSweep = Callable[
    [Connection, EventStore, date, str | None, str, str | None], Awaitable[list[str]]
]


@dataclass(frozen=True)
class CaseHandlers(Generic[CommandT]):
    """What the case routes run: a command on one case, and the two checks over many."""

    run: RunCase[CommandT]
    overdue: RunSweep  # rules.md §5.4: DecisionOverdue for undecided cases past the deadline
    grant_ends: RunSweep  # legal.md §2: CaseEnded for grants past their end date
