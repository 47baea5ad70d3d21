"""Why the application aggregate refuses a command: intake's own kinds of the shared
domain errors (shared/errors.py), each with its title; the shared problem handlers answer
them (422, 404, 409), nothing here maps them to HTTP."""

from __future__ import annotations

from shared.errors import Conflict, NotFound
from shared.errors import FieldError as FieldError
from shared.errors import InvalidCommand as InvalidCommand


class ApplicationNotFound(NotFound):
    """No such application (in this municipality) (404)."""

    title = "Application not found"

    def __init__(self, application_id: str) -> None:
        super().__init__(f"no application {application_id}")
        self.application_id = application_id


class ApplicationClosed(Conflict):
    """The application was withdrawn: nothing more can be added to it (409)."""

    title = "Application withdrawn"

    def __init__(self, application_id: str) -> None:
        super().__init__(f"application {application_id} was withdrawn; nothing more can be added")
        self.application_id = application_id


class ApplicationAlreadyExists(Conflict):
    """A second submission under an id already taken (409)."""

    title = "Application exists"

    def __init__(self, application_id: str) -> None:
        super().__init__(f"application {application_id} already exists")
        self.application_id = application_id
