"""Why the timesheet domain refuses a command: the shared domain errors (shared/errors.py,
issue #8), named here as before; the shared problem handlers map each kind to problem+json."""

from __future__ import annotations

from shared.errors import Conflict
from shared.errors import DomainError as DomainError
from shared.errors import FieldError as FieldError
from shared.errors import InvalidCommand as InvalidCommand
from shared.errors import NotFound as NotFound
from shared.errors import invalid as invalid

IllegalTransition = Conflict
"""The command does not fit the report's status, e.g. approve a draft (409)."""
