"""Parameters several services' routes share, bounded to what the domain can compute with."""

from __future__ import annotations

# A month of work, YYYY-MM. Years 1900–2999: the month before and after must exist as
# dates too (year 0 or 9999-12 would fail inside the domain with a 500, not a 422).
MONTH = r"^(19|2\d)\d{2}-(0[1-9]|1[0-2])$"
# Paging: PostgreSQL's offset is a bigint; far beyond any list this service holds.
MAX_OFFSET = 1_000_000
