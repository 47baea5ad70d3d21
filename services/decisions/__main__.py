"""``python -m services.decisions``: the decisions service as its own process."""

from services.decisions.app import create
from shared.http.app import serve

serve(create())
