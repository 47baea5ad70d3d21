"""The HTTP API of the decisions service (architecture.md §1, §5), one router per concern.

``api_cases``: commands on cases; ``api_queries``: case lists, the case, its decisions and
their Latvian documents; ``api_assistants``: assistants and assignments. What they share
(access, idempotent commands, problem documents) is in ``api_support``.
"""

from __future__ import annotations

from fastapi import APIRouter

from services.decisions.api import after_signature as api_after
from services.decisions.api import assistants as api_assistants
from services.decisions.api import cases as api_cases
from services.decisions.api import privacy as api_privacy
from services.decisions.api import queries as api_queries

ROUTERS: list[APIRouter] = [
    api_cases.router,
    api_after.router,  # after the signature (issue #17)
    api_queries.router,
    api_assistants.router,
    api_privacy.router,  # erasure (issue #9)
]
