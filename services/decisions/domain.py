"""The decisions domain, shared words: the domain's error names and the assistant's stream ids.

The two aggregates: the case of one application (``case/``; its stream ids are
``case.state.CASE``'s) and the assistant with the clients they serve (``assistant/``).
All of it is pure: no database, no bus, no web framework, no clock (architecture.md §4).
"""

from __future__ import annotations

from shared.errors import Conflict

# The errors are the shared ones (shared/errors.py, issue #8), named here as before.
from shared.errors import DomainError as DomainError
from shared.errors import FieldError as FieldError
from shared.errors import InvalidCommand as InvalidCommand
from shared.errors import NotFound as NotFound
from shared.errors import invalid as invalid

IllegalTransition = Conflict
"""The command does not fit the aggregate's state (e.g. resume a grant never suspended): 409."""

ASSISTANT_STREAM_PREFIX = "assistant-"


def assistant_stream(assistant_id: str) -> str:
    return f"{ASSISTANT_STREAM_PREFIX}{assistant_id}"
