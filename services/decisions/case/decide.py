"""The case of one application: ``decide(command, state) -> events`` (pure).

Lifecycle (docs/decisions.md): ``open`` → ``granted`` ⇄ ``suspended`` → ``terminated``;
``open`` → ``refused``; ``open`` → ``withdrawn``. The commands decided here are in
``commands.py``, state and ``evolve`` in ``state.py``; deciding and amending (which run
``assess``) and what follows the signature are decided, with their commands, in
``grants.py`` and ``after_signature.py``. Each rule is registered with ``@decides`` over
it; ``decide`` sends a command to its rule.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from pydantic import BaseModel

from services.decisions.case import after_signature as after
from services.decisions.case import grants
from services.decisions.case.commands import (
    CloseTask,
    ExtendDeadline,
    ForwardApplication,
    MarkOverdue,
    OpenCase,
    OpenTask,
    RecordAssessment,
    RecordDocument,
    RequestInformation,
    ResumeService,
    SuspendService,
    TerminateService,
    WithdrawApplication,
)
from services.decisions.case.state import (
    LIVE,
    WITH_GRANT,
    CaseState,
    CaseStatus,
    Task,
    decides,
    evolves,
    require_elsewhere,
    require_status,
    rule_of,
)
from services.decisions.domain import IllegalTransition, InvalidCommand, NotFound, invalid
from shared.contracts.decisions import (
    ApplicationForwarded,
    CaseClosed,
    CaseOpened,
    CloseReason,
    DeadlineExtended,
    DecisionOverdue,
    DocumentRecorded,
    InformationRequested,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
    TaskClosed,
    TaskOpened,
    TerminationReason,
)
from shared.rules import decision_deadline, is_decision_overdue
from shared.rules.deadlines import extension_problem

# Every command on a case: each is declared next to the rules that decide it (commands.py
# with this module, grants.py, after_signature.py) and registered there (``@decides``).
CaseCommand = (
    OpenCase
    | RecordDocument
    | WithdrawApplication
    | OpenTask
    | CloseTask
    | RequestInformation
    | RecordAssessment
    | grants.Decide
    | grants.AmendGrant
    | SuspendService
    | ResumeService
    | TerminateService
    | MarkOverdue
    | ExtendDeadline
    | grants.RefuseForResidence
    | ForwardApplication
    | after.NotifyAct
    | after.FileObjection
    | after.DecideObjection
    | after.LeaveWithoutProgress
    | after.FixDefect
    | after.EndCase
)


def decide(command: CaseCommand, state: CaseState) -> list[BaseModel]:
    """The events ``command`` causes on ``state``, or a ``DomainError`` saying why not.

    Every rule but opening's may rely on an opened case (``state.opened`` is set)."""
    if state.opened is None and not isinstance(command, OpenCase):
        raise NotFound("no such case")
    return rule_of(command)(command, state)


@decides(OpenCase)
def open_case(command: OpenCase, state: CaseState) -> list[BaseModel]:
    if state.exists:
        return []  # the application arrived again under another event id: one case only
    return [
        CaseOpened(
            case_id=command.application_id,
            decision_deadline=decision_deadline(command.received_on),  # rules.md §5.4
            **_fields(command),
        )
    ]


@decides(RecordDocument)
def record_document(command: RecordDocument, state: CaseState) -> list[BaseModel]:
    if any(d.document_id == command.document_id for d in state.documents):
        return []  # the same document delivered again: already recorded
    return [DocumentRecorded(case_id=state.case_id, **_fields(command))]


@decides(OpenTask)
def open_task(command: OpenTask, state: CaseState) -> list[BaseModel]:
    if state.task(command.task_id) is not None:
        return []  # the same report delivered again: its task exists already
    return [TaskOpened(case_id=state.case_id, **_fields(command))]


@decides(CloseTask)
def close_task(command: CloseTask, state: CaseState) -> list[BaseModel]:
    task = state.task(command.task_id)
    if task is None:
        raise NotFound(f"no task {command.task_id} on this case")
    if not task.is_open:
        raise IllegalTransition(f"task {command.task_id} is already closed")
    return [
        TaskClosed(
            case_id=state.case_id,
            task_id=task.task_id,
            closed_on=command.today,
            resolution=command.resolution,
        )
    ]


@decides(RequestInformation)
def request_information(command: RequestInformation, state: CaseState) -> list[BaseModel]:
    require_status(state, LIVE, "request information")
    # rules.md §5.4: recorded, but the deadline stays where it is.
    return [InformationRequested(case_id=state.case_id, **_fields(command))]


@decides(RecordAssessment)
def record_assessment(command: RecordAssessment, state: CaseState) -> list[BaseModel]:
    require_status(state, LIVE, "record an assessment")
    errors = command.facts.errors_on(command.today)
    if errors:
        raise InvalidCommand(errors)
    return [command.facts.recorded(state.case_id, command.today)]


@decides(WithdrawApplication)
def withdraw(command: WithdrawApplication, state: CaseState) -> list[BaseModel]:
    """rules.md §5.6: before a decision the case closes; a grant in force is terminated."""
    case_id = state.case_id
    if state.status is CaseStatus.OPEN:
        return [
            CaseClosed(
                case_id=case_id, reason=CloseReason.WITHDRAWN, closed_on=command.withdrawn_on
            )
        ]
    if state.status not in WITH_GRANT or state.grant is None:
        return []  # refused, terminated or withdrawn already: nothing is left to end
    # The service ends on the day of the written withdrawal, kept inside the period.
    day_after = state.grant.period_end + timedelta(days=1)
    ends = min(max(command.withdrawn_on, state.grant.period_start), day_after)
    return [
        ServiceTerminated(
            **state.new_act(command.today),
            reason=TerminationReason.WITHDRAWAL,
            terminated_from=ends,
            note="The application was withdrawn in writing",
        )
    ]


@decides(SuspendService)
def suspend(command: SuspendService, state: CaseState) -> list[BaseModel]:
    """rules.md §3.3: a stay in an institution, hospital or prison suspends, not ends."""
    require_status(state, {CaseStatus.GRANTED}, "suspend the service")
    assert state.grant is not None
    if not state.grant.period_start <= command.suspended_from <= state.grant.period_end:
        raise invalid(
            "suspended_from",
            f"must fall within the period {state.grant.period_start} to {state.grant.period_end}",
        )
    command.require_may_change(
        command.suspended_from, "suspended_from", "an interruption of the service", command.today
    )
    return [
        ServiceSuspended(
            **state.new_act(command.today),
            reason=command.reason,
            suspended_from=command.suspended_from,
            note=command.note,
            **command.heard(),
        )
    ]


@decides(ResumeService)
def resume(command: ResumeService, state: CaseState) -> list[BaseModel]:
    require_status(state, {CaseStatus.SUSPENDED}, "resume the service")
    assert state.grant is not None and state.suspension is not None
    start, end = state.suspension.suspended_from, state.grant.period_end
    if not start <= command.resumed_on <= end:
        raise invalid(
            "resumed_on",
            f"must fall between the suspension's start {start} and the period end {end}; "
            "after the period, terminate instead",
        )
    return [
        ServiceResumed(
            **state.new_act(command.today),
            resumed_on=command.resumed_on,
            note=command.note,
        )
    ]


@decides(TerminateService)
def terminate(command: TerminateService, state: CaseState) -> list[BaseModel]:
    """rules.md §5.6: withdrawal, move, expiry, not used, or the period ended."""
    require_status(state, WITH_GRANT, "terminate the service")
    assert state.grant is not None
    start, day_after = state.grant.period_start, state.grant.period_end + timedelta(days=1)
    if not start <= command.terminated_from <= day_after:
        raise invalid(
            "terminated_from",
            f"must fall between the period start {start} and the day after its end {day_after}",
        )
    # legal.md §2: the person's own written withdrawal needs no hearing and takes effect as
    # asked; every other termination is unfavourable.
    if command.reason is not TerminationReason.WITHDRAWAL:
        command.require_may_change(
            command.terminated_from,
            "terminated_from",
            "a termination of the service",
            command.today,
        )
    return [
        ServiceTerminated(
            **state.new_act(command.today),
            reason=command.reason,
            terminated_from=command.terminated_from,
            note=command.note,
            **command.heard(),
        )
    ]


@decides(MarkOverdue)
def mark_overdue(command: MarkOverdue, state: CaseState) -> list[BaseModel]:
    """rules.md §5.4: once per case, only while undecided and only after the deadline."""
    opened = state.opened
    assert opened is not None
    if state.overdue is not None or state.status is not CaseStatus.OPEN:
        return []
    if state.defect_pending:
        return []  # legal.md §6: the term runs from the day the defect is fixed
    # legal.md §6: overdue checks use the deadline in force (an extension moves it).
    if not is_decision_overdue(opened.received_on, command.today, deadline=state.deadline):
        return []
    return [
        DecisionOverdue(
            case_id=opened.case_id,
            received_on=opened.received_on,
            decision_deadline=state.deadline or opened.decision_deadline,
            detected_on=command.today,
        )
    ]


@decides(ExtendDeadline)
def extend_deadline(command: ExtendDeadline, state: CaseState) -> list[BaseModel]:
    """APL 64(2), legal.md §6: extend the deadline of an undecided case, with its reason."""
    opened = state.opened
    assert opened is not None and state.deadline is not None
    require_status(state, {CaseStatus.OPEN}, "extend the decision deadline")
    problem = extension_problem(
        opened.received_on, state.deadline, command.new_deadline, command.today
    )
    if problem is not None:
        field, message = problem
        if field == "today":
            raise IllegalTransition(message)
        raise invalid(field, message, "EXTENSION_NOT_ALLOWED")
    return [
        DeadlineExtended(
            **state.new_act(command.today),
            received_on=opened.received_on,
            previous_deadline=state.deadline,
            new_deadline=command.new_deadline,
            reason=command.reason,
        )
    ]


@decides(ForwardApplication)
def forward(command: ForwardApplication, state: CaseState) -> list[BaseModel]:
    """rules.md §3.5: instead of refusing, forward the application to the municipality of
    the declared residence; this case closes without a decision."""
    opened = state.opened
    assert opened is not None
    require_status(state, {CaseStatus.OPEN}, "forward the application")
    other = command.to_municipality
    require_elsewhere(state, "to_municipality", other)
    return [
        ApplicationForwarded(
            case_id=opened.case_id,
            application_id=opened.application_id,
            from_municipality=opened.municipality,
            to_municipality=other,
            forwarded_on=command.today,
            received_on=opened.received_on,
            client=opened.client,
            has_representative=opened.has_representative,
            claimed_activities=opened.claimed_activities,
            claimed_purposes=opened.claimed_purposes,
            receives_vision_benefit=opened.receives_vision_benefit,
            weekly_medical_procedures=opened.weekly_medical_procedures,
            requested_start=opened.requested_start,
        ),
        CaseClosed(case_id=opened.case_id, reason=CloseReason.FORWARDED, closed_on=command.today),
    ]


def _fields(command: object) -> dict[str, object]:
    """A command's fields as event keywords (commands mirror their event's fields)."""
    return {k: v for k, v in vars(command).items() if k != "today"}


# How each event decided here changes the case (case/state.py ``evolve``).


@evolves(CaseOpened)
def case_opened(state: CaseState, event: CaseOpened) -> CaseState:
    return replace(state, opened=event, status=CaseStatus.OPEN)


@evolves(ServiceSuspended)
def service_suspended(state: CaseState, event: ServiceSuspended) -> CaseState:
    return replace(state, status=CaseStatus.SUSPENDED, suspension=event)


@evolves(ServiceResumed)
def service_resumed(state: CaseState, event: ServiceResumed) -> CaseState:
    return replace(state, status=CaseStatus.GRANTED, suspension=None)


@evolves(ServiceTerminated)
def service_terminated(state: CaseState, event: ServiceTerminated) -> CaseState:
    return replace(
        state,
        status=CaseStatus.TERMINATED,
        suspension=None,
        terminated_from=event.terminated_from,
    )


@evolves(CaseClosed)
def case_closed(state: CaseState, event: CaseClosed) -> CaseState:
    status = CaseStatus(event.reason.value)  # withdrawn or forwarded
    return replace(state, status=status, closed=event)


@evolves(DeadlineExtended)
def deadline_extended(state: CaseState, event: DeadlineExtended) -> CaseState:
    return replace(state, extended_deadline=event.new_deadline)


@evolves(TaskOpened)
def task_opened(state: CaseState, event: TaskOpened) -> CaseState:
    return replace(state, tasks=(*state.tasks, Task(event)))


@evolves(TaskClosed)
def task_closed(state: CaseState, event: TaskClosed) -> CaseState:
    tasks = tuple(
        replace(t, closed_on=event.closed_on, resolution=event.resolution)
        if t.task_id == event.task_id
        else t
        for t in state.tasks
    )
    return replace(state, tasks=tasks)
