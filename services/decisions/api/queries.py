"""Queries on cases: lists by status and overdue, the case, tasks, decisions, documents."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from services.decisions.api import models as m
from services.decisions.api.support import (
    Caseworker,
    Runtime,
)
from services.decisions.api.views import case_view, decision_view
from services.decisions.case.state import CaseState, CaseStatus, Decision
from services.decisions.documents import model as documents
from services.decisions.documents import render as document_render
from services.decisions.documents.issued import html_sha256
from services.decisions.handlers.streams import load_case
from services.decisions.read_models.issued_documents import stored_document
from services.decisions.read_models.queries import assignments, list_cases, list_tasks
from shared.clock import riga_today
from shared.http.params import MAX_OFFSET
from shared.http.problems import Problem
from shared.municipalities import NoActsData, acts_data, get_municipality
from shared.runtime import ServiceRuntime

router = APIRouter(prefix="/municipalities/{municipality}", tags=["cases"])


@router.get("/cases", response_model=None, responses={200: {"model": m.CaseList}})
async def cases(
    municipality: str,
    _: Caseworker,
    runtime: Runtime,
    status: CaseStatus | None = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
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
        state, _ = await load_case(conn, runtime.store, case_id, municipality)
    return state


@router.get("/cases/{case_id}", response_model=None, responses={200: {"model": m.CaseOut}})
async def case(municipality: str, case_id: str, _: Caseworker, runtime: Runtime) -> dict[str, Any]:
    """The whole case: application data, documents, requests, assessment, decisions, tasks."""
    state = await _case(runtime, municipality, case_id)
    async with runtime.pool.acquire() as conn:
        assigned = await assignments(conn, municipality, case_id=case_id)
    return case_view(state, riga_today()) | {"assignments": assigned}


@router.get("/cases/{case_id}/tasks", response_model=None, responses={200: {"model": m.TaskList}})
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


@router.get("/tasks", response_model=None, responses={200: {"model": m.TaskList}})
async def tasks(
    municipality: str,
    _: Caseworker,
    runtime: Runtime,
    status: Literal["open", "closed"] | None = "open",
) -> dict[str, Any]:
    """The caseworkers' task list, e.g. reported changes of circumstances (rules.md §5.5)."""
    async with runtime.pool.acquire() as conn:
        return {"items": await list_tasks(conn, municipality, status)}


@router.get(
    "/cases/{case_id}/decisions", response_model=None, responses={200: {"model": m.DecisionList}}
)
async def decisions(
    municipality: str, case_id: str, _: Caseworker, runtime: Runtime
) -> dict[str, Any]:
    state = await _case(runtime, municipality, case_id)
    return {"items": [decision_view(state, d) for d in state.decisions]}


def _decision(state: CaseState, number: int) -> Decision:
    if not 1 <= number <= len(state.decisions):
        raise Problem(404, "Not found", f"the case has no decision {number}")
    return state.decisions[number - 1]


@router.get(
    "/cases/{case_id}/decisions/{number}",
    response_model=None,
    responses={200: {"model": m.DecisionOut}},
)
async def decision(
    municipality: str, case_id: str, number: int, _: Caseworker, runtime: Runtime
) -> dict[str, Any]:
    state = await _case(runtime, municipality, case_id)
    return decision_view(state, _decision(state, number))


@router.get(
    "/cases/{case_id}/decisions/{number}/document",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "text/plain": {"schema": {"type": "string"}},
            }
        },
        409: {"description": "The municipality's acts data (register, officials) is missing"},
    },
)
async def decision_document(
    municipality: str,
    case_id: str,
    number: int,
    _: Caseworker,
    runtime: Runtime,
    format: Literal["html", "pdf", "txt"] = "html",
) -> Response:
    """The written decision in Latvian (legal.md §3–§5): HTML, A4 PDF (from the same HTML)
    or plain text. The extension notice of a deadline is served the same way."""
    state = await _case(runtime, municipality, case_id)
    decision = _decision(state, number)
    name = f"lemums-{number}.{format}"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    media = {
        "txt": "text/plain; charset=utf-8",
        "pdf": "application/pdf",
        "html": "text/html; charset=utf-8",
    }[format]
    # legal.md §3, issue #17 item 4: an issued act is served as the bytes stored when it
    # was issued, never rebuilt from today's templates or municipality data.
    async with runtime.pool.acquire() as conn:
        stored = await stored_document(conn, case_id, number, format)
    if stored is not None:
        headers["Asist-Document-Sha256"] = stored.sha256
        headers["Asist-Document-As-Issued"] = "true"
        headers["Asist-Document-Stored"] = "true"
        return Response(stored.content, media_type=media, headers=headers)
    # Decisions recorded before the store existed: rendered now, checked against the
    # fingerprint taken when they were issued.
    try:
        acts = acts_data(municipality)
    except NoActsData as error:
        raise Problem(409, "Not configured", str(error)) from None
    doc = documents.build(get_municipality(municipality), acts, state, number)
    issued = decision.document_sha256
    rendered = html_sha256(document_render.render_html(doc))
    headers["Asist-Document-Sha256"] = rendered
    headers["Asist-Document-As-Issued"] = (
        "unknown" if issued is None else str(issued == rendered).lower()
    )
    headers["Asist-Document-Stored"] = "false"
    if format == "txt":
        text = document_render.render_text(doc)
        return Response(text, media_type=media, headers=headers)
    if format == "pdf":
        # WeasyPrint takes a few hundred milliseconds: off the event loop.
        pdf = await asyncio.to_thread(document_render.render_pdf, doc)
        return Response(pdf, media_type=media, headers=headers)
    html = document_render.render_html(doc)
    return Response(html, media_type=media, headers=headers)
