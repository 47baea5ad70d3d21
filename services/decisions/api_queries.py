"""Queries on cases: lists by status and overdue, the case, tasks, decisions, documents."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from services.decisions import documents
from services.decisions.api_support import (
    Caseworker,
    Runtime,
    problem_of,
)
from services.decisions.case_state import CaseState, CaseStatus, Decision
from services.decisions.domain import DomainError
from services.decisions.handlers import load_case
from services.decisions.queries import assignments, list_cases, list_tasks
from services.decisions.views import case_view, decision_view
from shared.clock import riga_today
from shared.http.problems import Problem
from shared.municipalities import get_municipality
from shared.runtime import ServiceRuntime

router = APIRouter(prefix="/municipalities/{municipality}", tags=["cases"])


@router.get("/cases")
async def cases(
    municipality: str,
    _: Caseworker,
    runtime: Runtime,
    status: CaseStatus | None = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Cases by status and overdue (``?status=open&overdue=true``), by deadline."""
    async with runtime.pool.acquire() as conn:
        items = await list_cases(
            conn,
            municipality,
            status=status.value if status else None,
            overdue=overdue,
            today=riga_today(),
            limit=limit,
            offset=offset,
        )
    return {"items": items, "limit": limit, "offset": offset}


async def _case(runtime: ServiceRuntime, municipality: str, case_id: str) -> CaseState:
    async with runtime.pool.acquire() as conn:
        try:
            state, _ = await load_case(conn, runtime.store, case_id, municipality)
        except DomainError as error:
            raise problem_of(error) from error
    return state


@router.get("/cases/{case_id}")
async def case(municipality: str, case_id: str, _: Caseworker, runtime: Runtime) -> dict[str, Any]:
    """The whole case: application data, documents, requests, assessment, decisions, tasks."""
    state = await _case(runtime, municipality, case_id)
    async with runtime.pool.acquire() as conn:
        assigned = await assignments(conn, municipality, case_id=case_id)
    return case_view(state, riga_today()) | {"assignments": assigned}


@router.get("/cases/{case_id}/tasks")
async def case_tasks(
    municipality: str,
    case_id: str,
    _: Caseworker,
    runtime: Runtime,
    status: Literal["open", "closed"] | None = None,
) -> dict[str, Any]:
    await _case(runtime, municipality, case_id)
    async with runtime.pool.acquire() as conn:
        return {"items": await list_tasks(conn, municipality, status, case_id)}


@router.get("/tasks")
async def tasks(
    municipality: str,
    _: Caseworker,
    runtime: Runtime,
    status: Literal["open", "closed"] | None = "open",
) -> dict[str, Any]:
    """The caseworkers' task list, e.g. reported changes of circumstances (rules.md §5.5)."""
    async with runtime.pool.acquire() as conn:
        return {"items": await list_tasks(conn, municipality, status)}


@router.get("/cases/{case_id}/decisions")
async def decisions(
    municipality: str, case_id: str, _: Caseworker, runtime: Runtime
) -> dict[str, Any]:
    state = await _case(runtime, municipality, case_id)
    return {"items": [decision_view(state, d) for d in state.decisions]}


def _decision(state: CaseState, number: int) -> Decision:
    if not 1 <= number <= len(state.decisions):
        raise Problem(404, "Not found", f"the case has no decision {number}")
    return state.decisions[number - 1]


@router.get("/cases/{case_id}/decisions/{number}")
async def decision(
    municipality: str, case_id: str, number: int, _: Caseworker, runtime: Runtime
) -> dict[str, Any]:
    state = await _case(runtime, municipality, case_id)
    return decision_view(state, _decision(state, number))


@router.get("/cases/{case_id}/decisions/{number}/document")
async def decision_document(
    municipality: str,
    case_id: str,
    number: int,
    _: Caseworker,
    runtime: Runtime,
    format: Literal["html", "txt"] = "html",
) -> Response:
    """The written decision in Latvian (rules.md §4.5, §5.7), HTML or plain text."""
    state = await _case(runtime, municipality, case_id)
    assert state.opened is not None
    doc = documents.build(get_municipality(municipality), state.opened, _decision(state, number))
    name = f"lemums-{case_id}-{number}.{format}"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    if format == "txt":
        text = documents.render_text(doc)
        return Response(text, media_type="text/plain; charset=utf-8", headers=headers)
    html = documents.render_html(doc)
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)
