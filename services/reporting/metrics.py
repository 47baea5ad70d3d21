"""The figures the ministry keeps per municipality and month (rules.md §9, issue 12).

Each metric is a count of people or events, an amount of hours, or an amount of money.
The kind decides how a figure is shown and disclosed: people and event counts below five
are suppressed in published outputs (``disclosure.py``), hours and money are two-decimal
sums. ``label`` is the Latvian column heading of the downloads; ``report_field`` names the
field of the municipality's own ``MonthlyFigures`` it is reconciled with (rules.md §9).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    PEOPLE = "people"  # a count of persons (clients, assistants): disclosure applies
    EVENTS = "events"  # a count of applications or decisions, each about one person
    HOURS = "hours"
    MONEY = "money"
    DAYS = "days"  # a statistic of days (median, 90th percentile)


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Kind
    label: str
    report_field: str | None = None

    @property
    def is_count(self) -> bool:
        return self.kind in (Kind.PEOPLE, Kind.EVENTS)


METRICS: tuple[Metric, ...] = (
    Metric("applications_received", Kind.EVENTS, "Saņemti iesniegumi", "applications_received"),
    Metric("applications_granted", Kind.EVENTS, "Pakalpojums piešķirts", "applications_granted"),
    Metric("applications_refused", Kind.EVENTS, "Atteikts", "applications_refused"),
    Metric("applications_withdrawn", Kind.EVENTS, "Iesniegums atsaukts"),
    Metric(
        "applications_decided_late",
        Kind.EVENTS,
        "Lēmums pēc termiņa",
        "applications_decided_late",
    ),
    Metric("decision_days_median", Kind.DAYS, "Dienas līdz lēmumam, mediāna"),
    Metric("decision_days_p90", Kind.DAYS, "Dienas līdz lēmumam, 90. procentile"),
    Metric("decisions_overdue", Kind.EVENTS, "Lēmuma termiņš nokavēts"),
    Metric("clients_active", Kind.PEOPLE, "Klienti ar piešķirtu pakalpojumu"),
    Metric("clients_adults", Kind.PEOPLE, "Piešķirts: pieaugušie"),
    Metric("clients_children", Kind.PEOPLE, "Piešķirts: bērni"),
    Metric("clients_vision", Kind.PEOPLE, "Piešķirts: redzes invaliditāte"),
    # rules.md §9 "clients served": clients whose assistant was paid for hours of the month.
    Metric("clients_served", Kind.PEOPLE, "Klienti, kam pakalpojums sniegts"),
    Metric("clients_served_adults", Kind.PEOPLE, "Sniegts: pieaugušie", "clients_served_adults"),
    Metric("clients_served_children", Kind.PEOPLE, "Sniegts: bērni", "clients_served_children"),
    Metric(
        "clients_served_vision",
        Kind.PEOPLE,
        "Sniegts: redzes invaliditāte",
        "clients_served_vision",
    ),
    Metric("grants_new", Kind.EVENTS, "Jauni piešķīrumi"),
    Metric("suspensions", Kind.EVENTS, "Pakalpojums apturēts"),
    Metric("terminations", Kind.EVENTS, "Pakalpojums izbeigts"),
    Metric("hours_granted", Kind.HOURS, "Piešķirtās stundas", "hours_granted"),
    Metric("hours_reported", Kind.HOURS, "Uzskaitītās stundas"),
    Metric("hours_approved", Kind.HOURS, "Apstiprinātās stundas", "hours_approved"),
    Metric("hours_paid", Kind.HOURS, "Apmaksātās stundas", "hours_paid"),
    Metric("assistants_active", Kind.PEOPLE, "Asistenti ar apstiprinātām stundām"),
    Metric("assistants_paid", Kind.PEOPLE, "Asistenti, kam samaksāts", "assistants_paid"),
    Metric("paid_gross", Kind.MONEY, "Bruto atlīdzība, EUR", "gross"),
    Metric(
        "paid_employer_contributions",
        Kind.MONEY,
        "Darba devēja VSAOI, EUR",
        "employer_contributions",
    ),
    Metric("paid_total", Kind.MONEY, "Izmaksāts kopā, EUR", "total"),
    Metric(
        "administration_amount",
        Kind.MONEY,
        "Administrēšanas izdevumi, EUR",
        "administration_amount",
    ),
    Metric("amount_expected", Kind.MONEY, "Apstiprinātās stundas × likme, EUR"),
    Metric("payments_returned", Kind.MONEY, "Banka atgrieza, EUR"),
    Metric("payments_reissued", Kind.MONEY, "Izmaksāts atkārtoti, EUR"),
    Metric("timesheets_overdue", Kind.EVENTS, "Nokavētas darba laika uzskaites"),
)

BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}

# Figures kept as a histogram or a breakdown rather than one number per month.
DECISION_DAYS = "decision_days"  # key: whole days from receipt to decision
REFUSED_BY_REASON = "refused_by_reason"  # key: refusal reason code (rules.md §3.4)
PAYMENT_LINES = "payment_lines"  # how many priced lines the payments had (rounding slack)
