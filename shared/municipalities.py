"""Registry of municipalities: slug (used in subjects), official ATVK code, name, social service.

Subjects are ``asist.<slug>.<service>.<EventType>`` (architecture.md §3), so a slug is
lowercase ASCII letters, digits and hyphens only. ATVK codes: the official classification
of administrative territories (2021 reform); addresses from rules.md §11.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


@dataclass(frozen=True)
class Municipality:
    slug: str
    atvk: str
    name: str
    social_service: str
    social_service_address: str


MUNICIPALITIES: dict[str, Municipality] = {
    m.slug: m
    for m in (
        Municipality(
            slug="daugavpils",
            atvk="0050000",
            name="Daugavpils valstspilsētas pašvaldība",
            social_service="Daugavpils pilsētas sociālais dienests",
            social_service_address="Vienības iela 8, Daugavpils, LV-5401",
        ),
        Municipality(
            slug="ludza",
            atvk="0681000",
            name="Ludzas novada pašvaldība",
            social_service="Ludzas novada sociālais dienests",
            social_service_address="Raiņa iela 16A, Ludza, LV-5701",
        ),
        Municipality(
            slug="riga",
            atvk="0010000",
            name="Rīgas valstspilsētas pašvaldība",
            social_service="Rīgas Sociālais dienests",
            social_service_address="Baznīcas iela 19/23, Rīga, LV-1010",
        ),
    )
}


class UnknownMunicipality(LookupError):
    def __init__(self, slug: str) -> None:
        known = ", ".join(sorted(MUNICIPALITIES))
        super().__init__(f"unknown municipality {slug!r}; known: {known}")
        self.slug = slug


def get_municipality(slug: str) -> Municipality:
    try:
        return MUNICIPALITIES[slug]
    except KeyError:
        raise UnknownMunicipality(slug) from None
