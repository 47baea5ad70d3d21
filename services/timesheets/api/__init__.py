"""HTTP API of timesheets: assistants report, clients attest, caseworkers review."""

from services.timesheets.api.queries import router as queries_router
from services.timesheets.api.reports import router as reports_router
from services.timesheets.api.reviews import router as reviews_router

ROUTERS = [reports_router, reviews_router, queries_router]
