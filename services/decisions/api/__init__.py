"""The HTTP API of the decisions service (architecture.md §1, §5), one router per concern:
commands on cases (``cases``), the life of an act after its signature (``after_signature``,
issue #17), case lists and Latvian documents (``queries``), assistants and assignments
(``assistants``), erasure (``privacy``, issue #9). What they share (access, idempotent
commands, problem documents) is in ``support``; answer models in ``models``; the JSON of a
case and a decision in ``views``.
"""

from services.decisions.api.after_signature import router as after_signature_router
from services.decisions.api.assistants import router as assistants_router
from services.decisions.api.cases import router as cases_router
from services.decisions.api.privacy import router as privacy_router
from services.decisions.api.queries import router as queries_router

ROUTERS = [
    cases_router,
    after_signature_router,
    queries_router,
    assistants_router,
    privacy_router,
]
