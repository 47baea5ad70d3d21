"""The decisions domain, shared words: errors, stream ids, and the weekly equivalent of hours.

The two aggregates: the case of one application (``case_commands``, ``case_state``,
``case_domain``, ``case_grants``) and the assistant with the clients they serve
(``assistant_domain``). All of it is pure: no database, no bus, no web framework, no
clock (architecture.md §4).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from shared.errors import Conflict

# The errors are the shared ones (shared/errors.py, issue #8), named here as before.
from shared.errors import DomainError as DomainError
from shared.errors import FieldError as FieldError
from shared.errors import InvalidCommand as InvalidCommand
from shared.errors import NotFound as NotFound
from shared.errors import invalid as invalid
from shared.rules import Unit

IllegalTransition = Conflict
"""The command does not fit the aggregate's state (e.g. resume a grant never suspended): 409."""

CASE_STREAM_PREFIX = "case-"
ASSISTANT_STREAM_PREFIX = "assistant-"

CENT = Decimal("0.01")


def case_stream(case_id: str) -> str:
    """Stream of the case of one application; the case id is the application id."""
    return f"{CASE_STREAM_PREFIX}{case_id}"


def assistant_stream(assistant_id: str) -> str:
    return f"{ASSISTANT_STREAM_PREFIX}{assistant_id}"


def weekly_equivalent(hours: Decimal, unit: Unit) -> Decimal:
    """Weekly hours of a grant, for the assistant's 40 h/week of rules.md §6.1.

    Decision (docs/decisions.md): a child's month grant (rules.md §4.3) counts as
    hours x 12 / 52 a week (80 h/month -> 18.46 h/week, 100 -> 23.08), rounded half-up
    to the cent: a year has 12 months and 52 weeks, and the family may spread the hours
    over the month as it likes, so the average week is the fair measure.
    """
    if unit is Unit.WEEK:
        return hours
    return (hours * 12 / 52).quantize(CENT, rounding=ROUND_HALF_UP)
