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


# --- Legal data of decision documents (legal.md §3, §5, §9) -------------------------------
# Kept apart from ``Municipality`` so the registry's other columns (accounts, more
# municipalities) evolve on their own. Names are written out in the case each sentence
# needs, never made by suffix rules (legal.md §7). To confirm with each municipality
# (legal.md §9) before production use; the demo municipalities are filled in.


@dataclass(frozen=True)
class ActsData:
    """What a municipality's decision documents need beyond its name (legal.md §3, §5)."""

    place_locative: str  # place of issue: "Daugavpilī"
    register_prefix: str  # register numbers are <prefix>/<year>/<sequence> (legal.md §3 item 2)
    objection_body_locative: str  # SPSPL art. 10: "Daugavpils valstspilsētas pašvaldības domē"
    objection_body_genitive: str  # "Daugavpils valstspilsētas pašvaldības domes"
    objection_body_address: str
    filing_place_locative: str  # where the objection is filed: "Daugavpils … domē"
    filing_address: str
    court_house: str  # Administrative District Court house, by the person's residence (APL 189)
    court_address: str
    official_name: str  # the signing official when the deciding token names none
    official_position: str


_COURT_RIGA = ("Rīgas", "Baldones iela 1A, Rīga, LV-1007")
_COURT_REZEKNE = ("Rēzeknes", "Atbrīvošanas aleja 88, Rēzekne, LV-4601")

ACTS_DATA: dict[str, ActsData] = {
    "daugavpils": ActsData(
        place_locative="Daugavpilī",
        register_prefix="DSD",
        objection_body_locative="Daugavpils valstspilsētas pašvaldības domē",
        objection_body_genitive="Daugavpils valstspilsētas pašvaldības domes",
        objection_body_address="Krišjāņa Valdemāra iela 1, Daugavpils, LV-5401",
        filing_place_locative="Daugavpils valstspilsētas pašvaldības Klientu apkalpošanas centrā",
        filing_address="Krišjāņa Valdemāra iela 1, Daugavpils, LV-5401",
        court_house=_COURT_REZEKNE[0],
        court_address=_COURT_REZEKNE[1],
        official_name="Ilona Kalniņa",
        official_position="Daugavpils pilsētas sociālā dienesta vadītāja",
    ),
    "ludza": ActsData(
        place_locative="Ludzā",
        register_prefix="LNSD",
        objection_body_locative="Ludzas novada pašvaldības domē",
        objection_body_genitive="Ludzas novada pašvaldības domes",
        objection_body_address="Raiņa iela 16, Ludza, LV-5701",
        filing_place_locative="Ludzas novada pašvaldībā",
        filing_address="Raiņa iela 16, Ludza, LV-5701",
        court_house=_COURT_REZEKNE[0],
        court_address=_COURT_REZEKNE[1],
        official_name="Jānis Zaharāns",
        official_position="Ludzas novada sociālā dienesta vadītājs",
    ),
    "riga": ActsData(
        place_locative="Rīgā",
        register_prefix="RSD",
        # legal.md §5: Riga designates its Welfare Department, not the council.
        objection_body_locative="Rīgas valstspilsētas pašvaldības Labklājības departamentā",
        objection_body_genitive="Rīgas valstspilsētas pašvaldības Labklājības departamenta",
        objection_body_address="Baznīcas iela 19/23, Rīga, LV-1010",
        filing_place_locative="Rīgas valstspilsētas pašvaldības Labklājības departamentā",
        filing_address="Baznīcas iela 19/23, Rīga, LV-1010",
        court_house=_COURT_RIGA[0],
        court_address=_COURT_RIGA[1],
        official_name="Anna Liepiņa",
        official_position="Rīgas Sociālā dienesta direktore",
    ),
}


class NoActsData(LookupError):
    """A municipality whose legal data (legal.md §9) is not configured issues no documents."""

    def __init__(self, slug: str) -> None:
        super().__init__(
            f"municipality {slug!r} has no legal data for decision documents (objection body, "
            "court house, register prefix: legal.md §9); add it to ACTS_DATA"
        )


def acts_data(slug: str) -> ActsData:
    try:
        return ACTS_DATA[slug]
    except KeyError:
        raise NoActsData(slug) from None
