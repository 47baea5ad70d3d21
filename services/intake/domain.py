"""The application aggregate (*iesniegums*): pure state, decide and evolve.

No I/O, no clock, no framework (architecture.md §4): every command carries the Latvian
calendar date it is decided on (``today``), and every id it needs, so ``decide`` is a
function of its arguments only. The commands live in ``commands.py``, the checks of a
submission in ``submission.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

# The commands live in commands.py, which submission.py imports too; named here as before.
from services.intake.commands import AddDocument as AddDocument
from services.intake.commands import Command as Command
from services.intake.commands import RegisterForwarded as RegisterForwarded
from services.intake.commands import ReportCircumstances as ReportCircumstances
from services.intake.commands import SubmitApplication as SubmitApplication
from services.intake.commands import WithdrawApplication as WithdrawApplication
from services.intake.errors import (
    ApplicationAlreadyExists,
    ApplicationClosed,
    ApplicationNotFound,
    FieldError,
)
from services.intake.submission import check_submission, normalised
from shared.aggregate import Aggregate, ByType, evolve_by_type
from shared.contracts.intake import (
    ApplicationDocumentAdded,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    CircumstancesReported,
)
from shared.errors import raise_if_any


class Status(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


# ---- state ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Application:
    """What ``decide`` needs to know about one application; ``status`` None: not submitted."""

    application_id: str = ""
    status: Status | None = None
    received_on: date | None = None
    document_ids: frozenset[str] = field(default_factory=frozenset)
    report_ids: frozenset[str] = field(default_factory=frozenset)


INITIAL = Application()


# One small function per event, registered with ``@evolves(EventType)`` over
# ``def name(state: Application, event: EventType) -> Application`` (shared/aggregate.py
# ``ByType``, as decisions' case/state.py); a test checks every intake event has one.
EVOLVERS: ByType[Callable[[Application, Any], Application]] = ByType("an evolve function")
evolves = EVOLVERS.register


@evolves(ApplicationSubmitted)
def _submitted(state: Application, event: ApplicationSubmitted) -> Application:
    return Application(
        application_id=event.application_id,
        status=Status.SUBMITTED,
        received_on=event.received_on,
    )


@evolves(ApplicationDocumentAdded)
def _document_added(state: Application, event: ApplicationDocumentAdded) -> Application:
    return replace(state, document_ids=state.document_ids | {event.document_id})


@evolves(ApplicationWithdrawn)
def _withdrawn(state: Application, event: ApplicationWithdrawn) -> Application:
    return replace(state, status=Status.WITHDRAWN)


@evolves(CircumstancesReported)
def _circumstances_reported(state: Application, event: CircumstancesReported) -> Application:
    return replace(state, report_ids=state.report_ids | {event.report_id})


# The state after ``event``; an event this aggregate does not know leaves it as it is.
evolve = evolve_by_type(EVOLVERS)


APPLICATION = Aggregate(category="application-", initial=INITIAL, evolve=evolve)
"""The application aggregate for the command pipeline (shared/commands.py): one stream per
application, ``application-<id>`` (also the CloudEvents ``subject``)."""


def stream_id(application_id: str) -> str:
    """The event stream of one application."""
    return APPLICATION.stream(application_id)


# ---- decide -----------------------------------------------------------------------------


RULES: ByType[Callable[[Any, Application], list[BaseModel]]] = ByType("a decide function")
decides = RULES.register


def decide(command: Command, state: Application) -> list[BaseModel]:
    """The events a command causes, or a named error (errors.py) when it is refused.

    Each command's rule is registered with ``@decides(CommandType)`` over ``def name(command:
    CommandType, state: Application) -> list[BaseModel]`` (as decisions' case rules): adding
    a command is its dataclass and its rule; a test checks every type of ``Command`` has one.
    """
    return RULES.of(type(command))(command, state)


@decides(SubmitApplication)
def _submit(command: SubmitApplication, state: Application) -> list[BaseModel]:
    if state.status is not None:
        raise ApplicationAlreadyExists(command.application_id)
    raise_if_any(check_submission(command))
    applicant, representative = normalised(command.applicant, command.representative)
    # The form as typed, with the codes normalised; ``today`` is when, not what.
    recorded = {f.name: getattr(command, f.name) for f in fields(command) if f.name != "today"}
    return [
        ApplicationSubmitted(
            **recorded | {"applicant": applicant, "representative": representative}
        )
    ]


@decides(RegisterForwarded)
def _register_forwarded(command: RegisterForwarded, state: Application) -> list[BaseModel]:
    # Delivered again: the application is there already, nothing changes.
    return [] if state.status is not None else [command.submitted]


def _open(state: Application, application_id: str) -> None:
    """Documents, withdrawals and changes need a submitted application not yet withdrawn."""
    if state.status is None:
        raise ApplicationNotFound(application_id)
    if state.status is Status.WITHDRAWN:
        raise ApplicationClosed(application_id)


@decides(AddDocument)
def _add_document(command: AddDocument, state: Application) -> list[BaseModel]:
    _open(state, command.application_id)
    document = command.event
    raise_if_any(_not_in_future("received_on", document.received_on, command.today))
    return [document]


@decides(WithdrawApplication)
def _withdraw(command: WithdrawApplication, state: Application) -> list[BaseModel]:
    _open(state, command.application_id)
    withdrawal = command.event
    errors = _not_in_future("withdrawn_on", withdrawal.withdrawn_on, command.today)
    if state.received_on is not None and withdrawal.withdrawn_on < state.received_on:
        errors.append(
            FieldError(
                "withdrawn_on",
                f"must not be before the application was received ({state.received_on})",
            )
        )
    raise_if_any(errors)
    return [withdrawal]


@decides(ReportCircumstances)
def _report(command: ReportCircumstances, state: Application) -> list[BaseModel]:
    _open(state, command.application_id)
    change = command.event
    if change.effective_until is not None and change.effective_until < change.effective_from:
        raise_if_any([FieldError("effective_until", "must not be before effective_from")])
    return [change]


def _not_in_future(name: str, day: date, today: date) -> list[FieldError]:
    if day > today:
        return [FieldError(name, f"must not be in the future (today in Riga is {today})")]
    return []
