"""``python -m services.reporting``: the reporting service as its own process."""

from services.reporting.app import create
from shared.http.app import serve

serve(create())
