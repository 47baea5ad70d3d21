"""The HTTP API of the decisions service (architecture.md §1, §5), one router per concern.

``api_cases``: commands on cases; ``api_queries``: case lists, the case, its decisions and
their Latvian documents; ``api_assistants``: assistants and assignments. What they share
(access, idempotent commands, problem documents) is in ``api_support``.
"""

from __future__ import annotations

from fastapi import APIRouter

from services.decisions import api_after, api_assistants, api_cases, api_privacy, api_queries

ROUTERS: list[APIRouter] = [
    api_cases.router,
    api_after.router,  # after the signature (issue #17)
    api_queries.router,
    api_assistants.router,
    api_privacy.router,  # erasure (issue #9)
]
