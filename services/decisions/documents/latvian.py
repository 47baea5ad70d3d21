"""Latvian number and date style of the decision documents (legal.md §7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.rules import Purpose


def hours_lv(value: Decimal) -> str:
    """Latvian number style: a decimal comma, no trailing zeros (20; 18,46)."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f").replace(".", ",")


def date_lv(day: date) -> str:
    """Latvian style, with the ordinal dot: 01.12.2026. (a sentence ending in it adds none)."""
    return day.strftime("%d.%m.%Y.")


def hours_text(value: Decimal, *, accusative: bool = False) -> str:
    """A number of hours with the noun agreeing (legal.md §7): 1 stunda, 22 stundas,
    80 stundu, 18,5 stundas; in an accusative slot ("piešķirt …") 1 stundu, 21 stundu."""
    number = hours_lv(value)
    if value != value.to_integral_value():
        return f"{number} stundas"  # a decimal fraction: genitive singular
    whole = int(value)
    if whole % 10 == 1 and whole % 100 != 11:
        return f"{number} {'stundu' if accusative else 'stunda'}"
    if 2 <= whole % 10 <= 9 and not 12 <= whole % 100 <= 19:
        return f"{number} stundas"
    return f"{number} stundu"  # last digit 0, or 11–19: genitive plural


# legal.md §7: the month in each case a date in a sentence needs.
MONTHS: dict[str, tuple[str, ...]] = {
    "nom": (
        "janvāris",
        "februāris",
        "marts",
        "aprīlis",
        "maijs",
        "jūnijs",
        "jūlijs",
        "augusts",
        "septembris",
        "oktobris",
        "novembris",
        "decembris",
    ),
    "gen": (
        "janvāra",
        "februāra",
        "marta",
        "aprīļa",
        "maija",
        "jūnija",
        "jūlija",
        "augusta",
        "septembra",
        "oktobra",
        "novembra",
        "decembra",
    ),
    "dat": (
        "janvārim",
        "februārim",
        "martam",
        "aprīlim",
        "maijam",
        "jūnijam",
        "jūlijam",
        "augustam",
        "septembrim",
        "oktobrim",
        "novembrim",
        "decembrim",
    ),
    "acc": (
        "janvāri",
        "februāri",
        "martu",
        "aprīli",
        "maiju",
        "jūniju",
        "jūliju",
        "augustu",
        "septembri",
        "oktobri",
        "novembri",
        "decembri",
    ),
    "loc": (
        "janvārī",
        "februārī",
        "martā",
        "aprīlī",
        "maijā",
        "jūnijā",
        "jūlijā",
        "augustā",
        "septembrī",
        "oktobrī",
        "novembrī",
        "decembrī",
    ),
}


def date_words(day: date, case: str = "nom") -> str:
    """legal.md §7: "2026. gada 2. decembrī" (loc), "no 2026. gada 2. decembra" (gen),
    "līdz 2026. gada 2. decembrim" (dat), "ar 2026. gada 2. decembri" (acc)."""
    return f"{day.year}. gada {day.day}. {MONTHS[case][day.month - 1]}"


def count_text(value: int, forms: tuple[str, str, str]) -> str:
    """legal.md §7: a noun after a whole number: (1 diena, 2 dienas, 10 dienu)."""
    one, few, many = forms
    if value % 10 == 1 and value % 100 != 11:
        return f"{value} {one}"
    if 2 <= value % 10 <= 9 and not 12 <= value % 100 <= 19:
        return f"{value} {few}"
    return f"{value} {many}"


def personal_code_lv(code: str) -> str:
    """rules.md §10: the written form with the hyphen, 120385-12342."""
    return f"{code[:6]}-{code[6:]}"


# Names of the LV-2021 regulation and of its purposes (rules.md §3.1, §4.2a), as the
# documents cite them.
REG_316 = "Ministru kabineta 2021. gada 18. maija noteikumu Nr. 316"
PURPOSES = {
    Purpose.WORK_STUDY_SPORT: "darbs vai saimnieciskā darbība, studijas augstskolā vai "
    "koledžā, paralimpiskais sports",
    Purpose.SCHOOL_BOARD: "mācības vispārējās, profesionālās vai vidējās izglītības iestādē; "
    "darbs biedrības vai komersanta valdē",
    Purpose.VOLUNTEER_DAYCARE_TREATMENT: "brīvprātīgais darbs; dienas aprūpes centrs vai "
    "specializētā darbnīca; regulāra ārsta nozīmēta hemodialīze vai ķīmijterapija",
    Purpose.CHILDHOOD_GROUP1_DAYCARE: "persona ar I grupu kopš bērnības un īpašas kopšanas "
    "indikācijām: dienas aprūpes centrs vai specializētā darbnīca",
    Purpose.CHILDHOOD_GROUP1_OTHER: "persona ar I grupu kopš bērnības un īpašas kopšanas "
    "indikācijām: citas aktivitātes",
}
