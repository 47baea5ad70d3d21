"""``python -m services.timesheets``: the timesheets service as its own process."""

from services.timesheets.app import create
from shared.http.app import serve

serve(create())
