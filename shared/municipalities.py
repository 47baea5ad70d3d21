"""Registry of the 43 Latvian municipalities: slug, ATVK code, name, social service, account.

Subjects are ``asist.<slug>.<service>.<EventType>`` (architecture.md §3), so a slug is
lowercase ASCII letters, digits and hyphens only. ATVK codes: the classification of
administrative territories in force since the 2021 reform (7 state cities, 36 counties).
Social-service names and addresses of the demo municipalities from rules.md §11; the
others name their social service by the municipality until a municipality supplies its own.

The debtor account of the SEPA bank file (rules.md §8.3) is the municipality's account in
the State Treasury (Valsts kase, BIC TRELLV22). The account numbers here are placeholders
derived from the ATVK code (valid IBANs, so files validate); a municipality's real account
replaces its row before production use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schwifty import IBAN

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
TREASURY_BIC = "TRELLV22"


@dataclass(frozen=True)
class Municipality:
    slug: str
    atvk: str
    name: str
    social_service: str
    social_service_address: str
    iban: str = ""
    bic: str = TREASURY_BIC


def _account(atvk: str) -> str:
    return str(IBAN.generate("LV", bank_code="TREL", account_code=f"9{atvk}00000").compact)


def _municipality(
    slug: str, atvk: str, name: str, social_service: str = "", address: str = ""
) -> Municipality:
    service = social_service or f"{name.removesuffix(' pašvaldība')} sociālais dienests"
    return Municipality(slug, atvk, name, service, address, _account(atvk))


_CITY = "valstspilsētas pašvaldība"
_COUNTY = "novada pašvaldība"

MUNICIPALITIES: dict[str, Municipality] = {
    m.slug: m
    for m in (
        _municipality(
            "riga",
            "0001000",
            f"Rīgas {_CITY}",
            "Rīgas Sociālais dienests",
            "Baznīcas iela 19/23, Rīga, LV-1010",
        ),
        _municipality(
            "daugavpils",
            "0002000",
            f"Daugavpils {_CITY}",
            "Daugavpils pilsētas sociālais dienests",
            "Vienības iela 8, Daugavpils, LV-5401",
        ),
        _municipality("jelgava", "0003000", f"Jelgavas {_CITY}"),
        _municipality("jurmala", "0004000", f"Jūrmalas {_CITY}"),
        _municipality("liepaja", "0005000", f"Liepājas {_CITY}"),
        _municipality("rezekne", "0006000", f"Rēzeknes {_CITY}"),
        _municipality("ventspils", "0007000", f"Ventspils {_CITY}"),
        _municipality("aizkraukle", "0020000", f"Aizkraukles {_COUNTY}"),
        _municipality("aluksne", "0021000", f"Alūksnes {_COUNTY}"),
        _municipality("augsdaugava", "0022000", f"Augšdaugavas {_COUNTY}"),
        _municipality("adazi", "0023000", f"Ādažu {_COUNTY}"),
        _municipality("balvi", "0024000", f"Balvu {_COUNTY}"),
        _municipality("bauska", "0025000", f"Bauskas {_COUNTY}"),
        _municipality("cesis", "0026000", f"Cēsu {_COUNTY}"),
        _municipality("dienvidkurzeme", "0027000", f"Dienvidkurzemes {_COUNTY}"),
        _municipality("dobele", "0028000", f"Dobeles {_COUNTY}"),
        _municipality("gulbene", "0029000", f"Gulbenes {_COUNTY}"),
        _municipality("jelgavas-novads", "0030000", f"Jelgavas {_COUNTY}"),
        _municipality("jekabpils", "0031000", f"Jēkabpils {_COUNTY}"),
        _municipality("kraslava", "0032000", f"Krāslavas {_COUNTY}"),
        _municipality("kuldiga", "0033000", f"Kuldīgas {_COUNTY}"),
        _municipality("kekava", "0034000", f"Ķekavas {_COUNTY}"),
        _municipality("limbazi", "0035000", f"Limbažu {_COUNTY}"),
        _municipality("livani", "0036000", f"Līvānu {_COUNTY}"),
        _municipality(
            "ludza",
            "0037000",
            f"Ludzas {_COUNTY}",
            "Ludzas novada sociālais dienests",
            "Raiņa iela 16A, Ludza, LV-5701",
        ),
        _municipality("madona", "0038000", f"Madonas {_COUNTY}"),
        _municipality("marupe", "0039000", f"Mārupes {_COUNTY}"),
        _municipality("ogre", "0040000", f"Ogres {_COUNTY}"),
        _municipality("olaine", "0041000", f"Olaines {_COUNTY}"),
        _municipality("preili", "0042000", f"Preiļu {_COUNTY}"),
        _municipality("rezeknes-novads", "0043000", f"Rēzeknes {_COUNTY}"),
        _municipality("ropazi", "0044000", f"Ropažu {_COUNTY}"),
        _municipality("salaspils", "0045000", f"Salaspils {_COUNTY}"),
        _municipality("saldus", "0046000", f"Saldus {_COUNTY}"),
        _municipality("saulkrasti", "0047000", f"Saulkrastu {_COUNTY}"),
        _municipality("sigulda", "0048000", f"Siguldas {_COUNTY}"),
        _municipality("smiltene", "0049000", f"Smiltenes {_COUNTY}"),
        _municipality("talsi", "0051000", f"Talsu {_COUNTY}"),
        _municipality("tukums", "0052000", f"Tukuma {_COUNTY}"),
        _municipality("valka", "0053000", f"Valkas {_COUNTY}"),
        _municipality("valmiera", "0054000", f"Valmieras {_COUNTY}"),
        _municipality("varaklani", "0055000", f"Varakļānu {_COUNTY}"),
        _municipality("ventspils-novads", "0056000", f"Ventspils {_COUNTY}"),
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
