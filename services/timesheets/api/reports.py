"""The assistant's side: the month's entries (whole month, one entry, CSV), submit; and the
client's attestation (rules.md §7.1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Annotated, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field, field_validator

from services.timesheets.api import models as m
from services.timesheets.api.support import Body
from services.timesheets.api.target import AssistantCall, ClientCall, ReportCommand
from services.timesheets.domain.csv_import import parse_csv
from services.timesheets.domain.entries import EntryInput
from services.timesheets.domain.errors import DomainError, NotFound, invalid
from services.timesheets.domain.report import (
    Attest,
    Checks,
    Report,
    ReportState,
    SaveDraft,
    Submit,
)
from shared.clock import riga_today
from shared.http.commands import Payload
from shared.http.problems import problem_of

router = APIRouter(
    prefix="/municipalities/{municipality}/assignments/{assignment_id}/timesheets/{month}",
    tags=["timesheets"],
)
Change = Callable[[list[EntryInput]], list[EntryInput]]


class EntryBody(Body):
    day: date
    start: time = Field(description="Riga wall time, e.g. 08:00")
    end: time = Field(description="Riga wall time; 00:00 ends the day")
    activity: Annotated[str, Field(min_length=1, max_length=60)] = Field(
        description="An activity the grant covers (rules.md §4.1); a monthly grant: any"
    )
    note: Annotated[str, Field(max_length=500)] = ""

    @field_validator("start", "end")
    @classmethod
    def _wall_time(cls, value: time) -> time:
        # rules.md §7.1: Riga wall-clock times; an offset would make the day ambiguous.
        if value.tzinfo is not None:
            raise ValueError("give the Riga wall time without an offset, e.g. 08:00")
        return value.replace(microsecond=0)

    def entry(self) -> EntryInput:
        return EntryInput(self.day, self.start, self.end, self.activity, self.note)


class MonthBody(Body):
    entries: Annotated[list[EntryBody], Field(max_length=400)]


def _inputs(state: ReportState) -> list[EntryInput]:
    notes = state.notes
    return [
        EntryInput(e.day, e.start, e.end, e.activity, notes.get(i, ""))
        for i, e in enumerate(state.entries)
    ]


async def _save(
    call: ReportCommand, payload: Payload, change: Change, status: int = 200
) -> JSONResponse:
    """Save a new draft built by ``change(entries of the draft)``."""

    def draft(report: Report, state: ReportState) -> SaveDraft:
        return SaveDraft(report, change(_inputs(state)), riga_today())

    return await call.run(payload, draft, status)


@router.put("", responses={200: {"model": m.ReportOut}})
async def put_month(body: MonthBody, call: AssistantCall) -> JSONResponse:
    """The whole month's entries as a draft (``TimesheetDrafted``), replacing any before."""
    entries = [e.entry() for e in body.entries]
    return await _save(call, body.model_dump(mode="json"), lambda _: entries)


@router.post("/entries", status_code=201, responses={201: {"model": m.ReportOut}})
async def add_entry(body: EntryBody, call: AssistantCall) -> JSONResponse:
    """Add one entry to the draft."""
    return await _save(
        call, body.model_dump(mode="json"), lambda entries: [*entries, body.entry()], 201
    )


def _replace(index: int, new: EntryInput | None) -> Change:
    def change(entries: list[EntryInput]) -> list[EntryInput]:
        if not 0 <= index < len(entries):
            raise NotFound(f"no entry {index} in this draft")
        return [*entries[:index], *([new] if new else []), *entries[index + 1 :]]

    return change


@router.put("/entries/{index}", responses={200: {"model": m.ReportOut}})
async def change_entry(index: int, body: EntryBody, call: AssistantCall) -> JSONResponse:
    """Change one entry of the draft (entries are kept in day and start order)."""
    payload = body.model_dump(mode="json") | {"index": index}
    return await _save(call, payload, _replace(index, body.entry()))


@router.delete("/entries/{index}", responses={200: {"model": m.ReportOut}})
async def remove_entry(index: int, call: AssistantCall) -> JSONResponse:
    """Remove one entry of the draft."""
    return await _save(call, {"remove": index}, _replace(index, None))


@router.post(
    "/import",
    responses={200: {"model": m.ReportOut}},
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def import_csv(call: AssistantCall) -> JSONResponse:
    """The month's entries from CSV (date, from, to, activity[, note]); replaces the draft.

    Errors name each line and column: ``{"field": "line 4: to", ...}``.
    """
    try:
        text = (await call.ctx.request.body()).decode("utf-8")
        entries = parse_csv(text)
    except UnicodeDecodeError:
        raise problem_of(invalid("(body)", "the CSV must be UTF-8")) from None
    except DomainError as error:
        raise problem_of(error) from error
    return await _save(call, {"csv": text}, lambda _: entries)


@router.post("/submit", responses={200: {"model": m.ReportOut}})
async def submit(call: AssistantCall) -> JSONResponse:
    """Submit the draft: ``TimesheetSubmitted`` with the findings of rules.md §7.2."""

    def submission(checks: Checks, state: ReportState) -> Submit:
        if state.report is None:
            raise invalid("entries", "nothing to submit: save the month's entries first")
        return Submit(riga_today(), checks)

    return await call.run_checked({}, submission)


class AttestBody(Body):
    by: Literal["client", "representative"] = "client"
    days: list[date] | None = Field(
        default=None, description="The days the service was given; default: every reported day"
    )


@router.post("/attest", responses={200: {"model": m.ReportOut}})
async def attest(body: AttestBody, call: ClientCall) -> JSONResponse:
    """The client or representative confirms the days (rules.md §7.1): ``TimesheetAttested``."""

    return await call.run(body, lambda _report, _state: Attest(riga_today(), body.by, body.days))
