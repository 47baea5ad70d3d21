"""Why the timesheet domain refuses a command; the API maps each kind to problem+json."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    code: str | None = None


class DomainError(Exception):
    """A command the domain refuses."""


class NotFound(DomainError):
    """No such report, assignment or entry (for this caller) (404)."""


class IllegalTransition(DomainError):
    """The command does not fit the report's status, e.g. approve a draft (409)."""


@dataclass
class InvalidCommand(DomainError):
    """Bad input, each bad field named (422)."""

    errors: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))


def invalid(field_name: str, message: str, code: str | None = None) -> InvalidCommand:
    return InvalidCommand([FieldError(field_name, message, code)])
