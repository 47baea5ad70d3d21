"""The audit event of an erasure (issue #9), published by decisions like its other events.

It carries no personal data: the erased person is named only by the id of the destroyed
data key, which is random and now opens nothing. Each service that keeps personal data in
its own tables consumes it to scrub them (``shared.privacy.erasure``).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.events.registry import event

SERVICE = "decisions"


class ErasureBasis(StrEnum):
    """Why the person's data may be erased: the grounds of GDPR art. 17(1)."""

    NO_LONGER_NECESSARY = "no_longer_necessary"  # art. 17(1)(a): retention period ended
    CONSENT_WITHDRAWN = "consent_withdrawn"  # art. 17(1)(b)
    OBJECTION = "objection"  # art. 17(1)(c)
    UNLAWFULLY_PROCESSED = "unlawfully_processed"  # art. 17(1)(d)
    LEGAL_OBLIGATION = "legal_obligation"  # art. 17(1)(e): e.g. a court order


@event(SERVICE)
class PersonalDataErased(BaseModel):
    """A person's data key was destroyed: every field sealed with it now reads "erased"."""

    erasure_id: str
    key_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="The destroyed data key")
    legal_basis: ErasureBasis = Field(description="GDPR art. 17(1) ground")
    request_reference: str = Field(
        pattern=r"^[A-Za-z0-9./-]{1,40}$",
        description="Registration number of the request or order in the municipality's records",
    )
    erased_on: date = Field(description="Latvian date of the erasure")
    events_sealed: int = Field(
        ge=0, description="Events of this service's store that carried fields under the key"
    )
