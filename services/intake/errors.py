"""Why the domain refuses a command: named errors, mapped to problem+json by api.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One bad field, named as in the request body (``applicant.personal_code``)."""

    field: str
    message: str


class Refused(Exception):
    """Base of every refusal of the application aggregate."""


class InvalidCommand(Refused):
    """The command breaks a rule of rules.md; every bad field is named (422)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class ApplicationNotFound(Refused):
    """No such application (in this municipality) (404)."""

    def __init__(self, application_id: str) -> None:
        super().__init__(f"no application {application_id}")
        self.application_id = application_id


class ApplicationClosed(Refused):
    """The application was withdrawn: nothing more can be added to it (409)."""

    def __init__(self, application_id: str) -> None:
        super().__init__(f"application {application_id} was withdrawn")
        self.application_id = application_id


class ApplicationAlreadyExists(Refused):
    """A second submission under an id already taken (409)."""

    def __init__(self, application_id: str) -> None:
        super().__init__(f"application {application_id} already exists")
        self.application_id = application_id
