"""``python -m services.payments``: the payments service as its own process."""

from services.payments.app import create
from shared.http.app import serve

serve(create())
