"""Why a domain refuses a command: one set of errors for every service (issue #8).

Pure: no framework, no I/O. Each kind carries the HTTP status it is answered with, so
``shared/http/problems.py`` maps every :class:`DomainError` to ``application/problem+json``
in one place (architecture.md §5: bad input gets a clear error naming what is wrong).
A service subclasses a kind to give it its own title (``ApplicationNotFound(NotFound)``)
or extra problem fields (:meth:`DomainError.problem_fields`); it never maps errors itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    """One bad field, named as in the request body (``applicant.personal_code``), with why;
    ``code``: a reason code of the rules, when the rules name one (e.g. ``RESIDENCE_HERE``)."""

    field: str
    message: str
    code: str | None = None


class DomainError(Exception):
    """A command the domain refuses. ``status``/``title``: how HTTP answers it (400 for a
    refusal no narrower kind describes); ``code``: a machine-readable kind of refusal."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Refused"

    def __init__(
        self, message: str = "", *, code: str | None = None, fields: list[FieldError] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields: list[FieldError] = list(fields or [])

    def problem_fields(self) -> dict[str, Any]:
        """Extra members of the problem document (e.g. the missing step of issue #17)."""
        return {}


class InvalidCommand(DomainError):
    """Bad input the request's shape could not tell: every bad field, with why (422)."""

    status = 422
    title = "Invalid request"

    def __init__(self, fields: list[FieldError] | None = None) -> None:
        fields = list(fields or [])
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in fields), fields=fields)

    @property
    def errors(self) -> list[FieldError]:
        """The bad fields (the name the services used before ``fields``)."""
        return self.fields


class NotFound(DomainError):
    """No such thing (in this municipality, for this caller): its existence is not told (404)."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The command does not fit the aggregate's state now, e.g. withdraw twice (409)."""

    status = 409
    title = "Not allowed now"


class NotAllowed(DomainError):
    """The caller may not do this, whatever the state, e.g. approve their own run (403)."""

    status = 403
    title = "Forbidden"


def invalid(field_name: str, message: str, code: str | None = None) -> InvalidCommand:
    """One bad field as an :class:`InvalidCommand`."""
    return InvalidCommand([FieldError(field_name, message, code)])


def raise_if_any(errors: list[FieldError]) -> None:
    """Refuse with every bad field at once: a caseworker fixing a form wants the whole list."""
    if errors:
        raise InvalidCommand(errors)
