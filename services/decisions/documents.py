"""The written decision (*lēmums*) in Latvian, as HTML or plain text (pure; rules.md §4.5, §5.7).

A decision states the hours, unit, activity breakdown, period, rule set and the reasons
(rules.md §4.5, §3.4), its legal basis (rules.md §2), and how to contest it: within one
month of taking effect (rules.md §5.7; Administrative Procedure Law, Art. 79(1)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html import escape

from services.decisions.case_state import Decision
from services.decisions.document_adults import assessment_fact, purpose_reasoning
from services.decisions.latvian import date_lv, hours_lv, hours_text

__all__ = ["Document", "build", "date_lv", "hours_lv", "render_html", "render_text"]
from shared.contracts.decisions import (
    ActivityBreakdown,
    ApplicationRefused,
    CaseOpened,
    GrantAmended,
    HoursGranted,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
    SuspensionReason,
    TerminationReason,
)
from shared.municipalities import Municipality
from shared.rules import ActivityKind, RefusalReason, RuleSetId, Unit

# rules.md §2: the regulation each rule set rests on, by its official Latvian title.
LEGAL_BASIS = {
    RuleSetId.LV_2013: "Ministru kabineta 2012. gada 18. decembra noteikumi Nr. 942 "
    "„Kārtība, kādā piešķir un finansē asistenta pakalpojumu pašvaldībā”",
    RuleSetId.LV_2021: "Ministru kabineta 2021. gada 18. maija noteikumi Nr. 316 "
    "„Noteikumi par asistenta pakalpojumu pašvaldībā” (aizstāj 2012. gada 18. decembra "
    "noteikumus Nr. 942)",
}
PER = {Unit.WEEK: "nedēļā", Unit.MONTH: "mēnesī"}
ACTIVITIES = {
    ActivityKind.WORK: "darbs vai saimnieciskā darbība",
    ActivityKind.EDUCATION: "izglītības iegūšana",
    ActivityKind.HIGHER_EDUCATION: "augstākās izglītības iegūšana",
    ActivityKind.DAY_CARE: "dienas aprūpes centrs, dienas centrs, sociālā rehabilitācija",
    ActivityKind.INSTITUTIONS: "ārstniecības, valsts, pašvaldību, finanšu un tiesību "
    "aizsardzības iestādes",
    ActivityKind.SOCIAL_ACTIVITIES: "biedrību un nodibinājumu aktivitātes",
    ActivityKind.LEISURE: "sociālā iekļaušana (brīvā laika pasākumi)",
}
REFUSALS = {
    RefusalReason.NOT_SEVERE_DISABILITY: "personai nav noteikta I vai II invaliditātes grupa",
    RefusalReason.NO_COMMISSION_OPINION: "nav Veselības un darbspēju ekspertīzes ārstu valsts "
    "komisijas (VDEĀVK) atzinuma par asistenta (bērnam – īpašas kopšanas) nepieciešamību",
    RefusalReason.TOO_YOUNG: "bērns perioda sākumā nav sasniedzis piecu gadu vecumu",
    RefusalReason.IN_INSTITUTION: "persona uzturas ilgstošas sociālās aprūpes institūcijā, "
    "stacionārā ārstniecības iestādē vai ieslodzījuma vietā",
    RefusalReason.VISION_BENEFIT_COVERS_NEED: "nepieciešamais apjoms nepārsniedz 10 stundas "
    "nedēļā, ko sedz valsts pabalsts par asistenta izmantošanu",
    RefusalReason.NO_FUNCTIONAL_LIMITATION: "personai nav redzes, kustību vai garīga rakstura "
    "funkcionālo traucējumu un nav VDEĀVK medicīnisko indikāciju transportlīdzekļa "
    "pielāgošanai un pabalsta saņemšanai",
    RefusalReason.NEED_NOT_ESTABLISHED: "sociālā dienesta veiktajā novērtējumā nav konstatēta "
    "vajadzība pēc asistenta pakalpojuma",
    RefusalReason.NO_ELIGIBLE_ACTIVITY: "nav darbības vai mērķa, kuram pienākas asistenta "
    "pakalpojums",
    RefusalReason.DISABILITY_EXPIRED: "invaliditātes termiņš beidzies pirms perioda sākuma",
    RefusalReason.OPINION_EXPIRED: "VDEĀVK atzinuma termiņš beidzies pirms perioda sākuma",
}
SUSPENSIONS = {
    SuspensionReason.LONG_TERM_CARE: "uzturēšanās ilgstošas sociālās aprūpes institūcijā",
    SuspensionReason.INPATIENT: "ārstēšanās stacionārā ārstniecības iestādē",
    SuspensionReason.PRISON: "atrašanās ieslodzījuma vietā",
}
TERMINATIONS = {
    TerminationReason.WITHDRAWAL: "klienta rakstisks atteikums no pakalpojuma",
    TerminationReason.MOVED: "deklarētās dzīvesvietas maiņa uz citu pašvaldību",
    TerminationReason.EXPIRED: "beidzies invaliditātes vai VDEĀVK atzinuma termiņš",
    TerminationReason.NOT_USED: "pakalpojums netiek izmantots",
    TerminationReason.PERIOD_ENDED: "beidzies piešķirtais periods bez jauna lēmuma",
    TerminationReason.OTHER: "cits iemesls",
}
TITLES: dict[type[Decision], str] = {
    HoursGranted: "Par asistenta pakalpojuma piešķiršanu",
    ApplicationRefused: "Par atteikumu piešķirt asistenta pakalpojumu",
    GrantAmended: "Par asistenta pakalpojuma apjoma grozīšanu",
    ServiceSuspended: "Par asistenta pakalpojuma sniegšanas apturēšanu",
    ServiceResumed: "Par asistenta pakalpojuma sniegšanas atjaunošanu",
    ServiceTerminated: "Par asistenta pakalpojuma sniegšanas izbeigšanu",
}
# rules.md §5.7: every decision document says how and when it can be contested.
APPEAL = (
    "Šo lēmumu var apstrīdēt viena mēneša laikā no tā spēkā stāšanās dienas "
    "(Administratīvā procesa likuma 79. panta pirmā daļa). Iesniegumu iesniedz: "
    "{service}, {address} ({municipality})."
)


@dataclass(frozen=True)
class Items:
    lines: list[str]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]


Block = str | Items | Table  # a paragraph, a list, a table


@dataclass
class Document:
    """A decision laid out once, then rendered as HTML or text."""

    title: str
    heading: list[str]
    blocks: list[Block] = field(default_factory=list)
    appeal: str = ""


def build(municipality: Municipality, case: CaseOpened, decision: Decision) -> Document:
    client = case.client
    code = f"{client.personal_code[:6]}-{client.personal_code[6:]}"
    doc = Document(
        title=f"LĒMUMS Nr. {decision.decision_number}",
        heading=[
            municipality.name,
            municipality.social_service,
            municipality.social_service_address,
        ],
    )
    add = doc.blocks.append
    add(f"{date_lv(decision.decided_on)} Lieta Nr. {case.case_id}")
    add(TITLES[type(decision)])
    add(
        f"Klients: {client.first_name} {client.last_name}, personas kods {code}. "
        f"Iesniegums saņemts {date_lv(case.received_on)}"
    )
    match decision:
        case HoursGranted():
            _grant(doc, decision, decision.period_start, decision.period_end, "piešķirt")
        case GrantAmended():
            add(f"Grozījuma iemesls: {decision.reason}")
            _grant(doc, decision, decision.effective_from, decision.period_end, "noteikt")
        case ApplicationRefused():
            if decision.needs_assessment is not None:
                add(assessment_fact(decision.needs_assessment))
            add("Nolemts: atteikt piešķirt asistenta pakalpojumu pašvaldībā.")
            add("Atteikuma iemesli:")
            add(Items([f"{REFUSALS[r]} ({r.value})" for r in decision.reasons]))
            add(f"Noteikumu kopums: {decision.rule_set.value}.")
            _basis(doc, decision.rule_set)
        case ServiceSuspended():
            add(
                "Nolemts: apturēt asistenta pakalpojuma sniegšanu no "
                f"{date_lv(decision.suspended_from)} uz uzturēšanās laiku. "
                f"Iemesls: {SUSPENSIONS[decision.reason]} ({decision.reason.value})."
            )
            _note(doc, decision.note)
            _basis(doc, None)
        case ServiceResumed():
            add(
                "Nolemts: atjaunot asistenta pakalpojuma sniegšanu no "
                f"{date_lv(decision.resumed_on)} iepriekš piešķirtajā apjomā."
            )
            _note(doc, decision.note)
            _basis(doc, None)
        case ServiceTerminated():
            add(
                "Nolemts: izbeigt asistenta pakalpojuma sniegšanu ar "
                f"{date_lv(decision.terminated_from)} "
                f"Iemesls: {TERMINATIONS[decision.reason]} ({decision.reason.value})."
            )
            _note(doc, decision.note)
            _basis(doc, None)
    doc.appeal = APPEAL.format(
        municipality=municipality.name,
        service=municipality.social_service,
        address=municipality.social_service_address,
    )
    return doc


def _grant(
    doc: Document, decision: HoursGranted | GrantAmended, start: date, end: date, verb: str
) -> None:
    add = doc.blocks.append
    per = PER[decision.unit]
    granted = hours_text(decision.hours)
    if decision.needs_assessment is not None:
        # legal.md §3 items 6 and 8: the assessment is an established fact, the purpose and
        # level are the reasoning (rules.md §3.1, §4.2a).
        add(assessment_fact(decision.needs_assessment))
    add(
        f"Nolemts: {verb} asistenta pakalpojumu pašvaldībā "
        f"{hours_text(decision.hours, accusative=True)} {per} "
        f"laikposmā no {date_lv(start)} līdz {date_lv(end)}"
    )
    if decision.breakdown:
        header = ("Darbība", "Pieprasīts, st. nedēļā", "Pieļaujams, st. nedēļā")
        add(Table(header, [_line(line) for line in decision.breakdown]))
    elif decision.purpose is not None:
        sentences, purposes = purpose_reasoning(decision)
        doc.blocks.extend(sentences)
        add(Table(*purposes))
    elif decision.unit is Unit.MONTH:
        # rules.md §4.3: a child's month hours are fixed; the family decides their use.
        add("Bērnam stundas noteiktas mēnesim; ģimene lemj, kad un kam tās izmanto.")
    add(
        f"Noteikumos pieļaujamais apjoms: {hours_text(decision.rules_hours)} {per}; "
        f"piešķirtais apjoms: {granted} {per}."
    )
    if decision.reduction_reason:
        add(f"Apjoma samazinājuma pamatojums: {decision.reduction_reason}")
    add(f"Noteikumu kopums: {decision.rule_set.value}.")
    _basis(doc, decision.rule_set)


def _line(line: ActivityBreakdown) -> tuple[str, ...]:
    return (ACTIVITIES[line.kind], hours_lv(line.claimed), hours_lv(line.granted))


def _note(doc: Document, note: str) -> None:
    if note:
        doc.blocks.append(f"Piezīme: {note}")


def _basis(doc: Document, rule_set: RuleSetId | None) -> None:
    """rules.md §2; a suspension, resumption or termination rests on the current regulation."""
    basis = LEGAL_BASIS[rule_set or RuleSetId.LV_2021]
    doc.blocks.append(f"Tiesiskais pamatojums: {basis}.")


def render_text(doc: Document) -> str:
    lines = [*doc.heading, "", doc.title, ""]
    for block in doc.blocks:
        match block:
            case Items():
                lines += [f"  - {line}" for line in block.lines]
            case Table():
                lines += [" | ".join(row) for row in (block.header, *block.rows)]
            case str():
                lines.append(block)
    lines += ["", doc.appeal, ""]
    return "\n".join(lines)


def render_html(doc: Document) -> str:
    e = escape
    parts = [
        '<!DOCTYPE html>\n<html lang="lv">\n<head>\n<meta charset="utf-8">',
        f"<title>{e(doc.title)}</title>",
        "<style>body{font-family:serif;max-width:42em;margin:2em auto;line-height:1.4}"
        "header{text-align:center}table{border-collapse:collapse}"
        "td,th{border:1px solid #444;padding:.2em .5em}</style>\n</head>\n<body>",
        "<header>" + "<br>".join(e(line) for line in doc.heading) + "</header>",
        f"<h1>{e(doc.title)}</h1>",
    ]
    for block in doc.blocks:
        match block:
            case Items():
                parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block.lines) + "</ul>")
            case Table():
                head = "".join(f"<th>{e(c)}</th>" for c in block.header)
                body = "".join(
                    "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                    for row in block.rows
                )
                parts.append(f"<table><tr>{head}</tr>{body}</table>")
            case str():
                parts.append(f"<p>{e(block)}</p>")
    parts.append(f'<p class="appeal"><strong>{e(doc.appeal)}</strong></p>')
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)
