"""The one place that reads the clock for dates: the law counts days in Riga (rules.md §5.4).

Pure rules take ``today`` as a parameter; services ask here.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

RIGA = ZoneInfo("Europe/Riga")


def riga_today() -> date:
    """The Latvian calendar date now."""
    return datetime.now(RIGA).date()
