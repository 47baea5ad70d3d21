"""Event contracts: the ``data`` of every event, one module per producing service.

Importing this package registers every event type in ``shared.events.registry``.
"""

from shared.contracts import decisions, intake, payments, privacy, timesheets

__all__ = ["decisions", "intake", "payments", "privacy", "timesheets"]
