"""``python -m services.intake``: the intake service as its own process."""

from services.intake.app import create
from shared.http.app import serve

serve(create())
