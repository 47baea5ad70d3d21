"""The written decision (*lēmums*) in Latvian, laid out once (pure; legal.md §2–§5, §7).

``build`` lays out every kind: grant, refusal, amendment, interruption (suspension),
resumption, termination and the deadline-extension notice, with the parts of legal.md §3
(issuer, "LĒMUMS", place, date and register number, subject, addressee, the request, facts,
the person's view, reasoning, applied law, operative part, entry into force, objection
notice, signature) and the extra parts of §4. ``render`` turns the layout into HTML, PDF
(from that same HTML) or plain text; ``fingerprinted`` lays out and hashes the acts of
newly decided events, as they are recorded. Reason codes, rule-set ids and internal ids
stay in the event data, never in the text (legal.md §3 item 14).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from pydantic import BaseModel

from services.decisions.case.state import DECISION_TYPES, CaseState, Decision, evolve
from services.decisions.documents.adults import purpose_reasoning
from services.decisions.documents.facts import (
    ACTIVITIES,
    REGULATION_GENITIVE,
    REGULATION_NOMINATIVE,
    applied_law,
    facts_established,
)
from services.decisions.documents.hearing import dated_fact_line, exception_line, hearing_lines
from services.decisions.documents.issued import Issued, html_sha256
from services.decisions.documents.latvian import (
    REG_316,
    date_lv,
    date_words,
    hours_lv,
    hours_text,
    personal_code_lv,
)
from services.decisions.documents.layout import Block, Document, DocumentError, Section, Table
from services.decisions.documents.render import render_html
from shared.contracts.decisions import (
    ActivityBreakdown,
    ApplicationRefused,
    AssessmentRecorded,
    DeadlineExtended,
    GrantAmended,
    HoursGranted,
    Official,
    ServiceResumed,
    ServiceSuspended,
    ServiceTerminated,
    SuspensionReason,
    TerminationReason,
)
from shared.municipalities import ACTS_DATA, MUNICIPALITIES, ActsData, Municipality
from shared.rules import PeriodKind, RefusalReason, RuleSetId, Unit

__all__ = ["Document", "Section", "Table", "build", "date_lv", "hours_lv"]

E_SIGNATURE = "DOKUMENTS IR PARAKSTĪTS AR DROŠU ELEKTRONISKO PARAKSTU UN SATUR LAIKA ZĪMOGU"
ENTRY_INTO_FORCE = (
    "Lēmums stājas spēkā ar tā paziņošanas brīdi (Administratīvā procesa likuma 70. panta "
    "pirmā daļa)."
)
PER = {Unit.WEEK: "nedēļā", Unit.MONTH: "mēnesī"}
CHILD_BASE_HOURS = 80  # rules.md §4.3: a child's month without weekly procedures
# legal.md §2: the subject line of each kind.
SUBJECTS: dict[type[Decision], str] = {
    HoursGranted: "Par asistenta pakalpojuma piešķiršanu",
    ApplicationRefused: "Par atteikumu piešķirt asistenta pakalpojumu",
    ServiceSuspended: "Par asistenta pakalpojuma sniegšanas pārtraukšanu uz laiku",
    ServiceResumed: "Par asistenta pakalpojuma sniegšanas atjaunošanu",
    ServiceTerminated: "Par asistenta pakalpojuma sniegšanas izbeigšanu",
    DeadlineExtended: "Par iesnieguma izskatīšanas termiņa pagarināšanu",
}
# legal.md §4 "Refusal": every ground in Latvian with the provision it rests on.
REFUSALS = {
    RefusalReason.NOT_SEVERE_DISABILITY: "personai nav noteikta I vai II invaliditātes grupa",
    RefusalReason.NO_COMMISSION_OPINION: "nav Veselības un darbspēju ekspertīzes ārstu valsts "
    "komisijas atzinuma par asistenta (bērnam – īpašas kopšanas) nepieciešamību",
    RefusalReason.TOO_YOUNG: "bērns perioda sākumā nav sasniedzis piecu gadu vecumu",
    RefusalReason.IN_INSTITUTION: "persona uzturas ilgstošas sociālās aprūpes institūcijā, "
    "stacionārā ārstniecības iestādē vai ieslodzījuma vietā",
    RefusalReason.VISION_BENEFIT_COVERS_NEED: "nepieciešamais apjoms nepārsniedz 10 stundu "
    "nedēļā, ko sedz valsts pabalsts par asistenta izmantošanu",
    RefusalReason.NO_FUNCTIONAL_LIMITATION: "personai nav redzes, kustību vai garīga rakstura "
    "funkcionālo traucējumu un nav medicīnisko indikāciju transportlīdzekļa pielāgošanai",
    RefusalReason.NEED_NOT_ESTABLISHED: "sociālā dienesta veiktajā novērtējumā nav konstatēta "
    "vajadzība pēc asistenta pakalpojuma",
    RefusalReason.NO_ELIGIBLE_ACTIVITY: "nav apliecinātas darbības vai mērķa, kuram pienākas "
    "asistenta pakalpojums",
    RefusalReason.DISABILITY_EXPIRED: "invaliditātes termiņš beidzies pirms perioda sākuma",
    RefusalReason.OPINION_EXPIRED: "atzinuma termiņš beidzies pirms perioda sākuma",
    RefusalReason.RESIDENCE_ELSEWHERE: "personas deklarētā dzīvesvieta nav šīs pašvaldības "
    "administratīvajā teritorijā, tāpēc pakalpojumu piešķir tās pašvaldības sociālais "
    "dienests, kurā ir personas deklarētā dzīvesvieta",
}
# The points cited for a ground; Reg. 942 and Reg. 316 beyond these are cited as a whole
# until legal.md §9 confirms the point numbers.
REFUSAL_POINTS = {
    RefusalReason.NOT_SEVERE_DISABILITY: "3. punkts",
    RefusalReason.NO_FUNCTIONAL_LIMITATION: "3. punkts",
    RefusalReason.NEED_NOT_ESTABLISHED: "3. punkts un 1. pielikums",
    RefusalReason.NO_ELIGIBLE_ACTIVITY: "1. pielikums",
    RefusalReason.RESIDENCE_ELSEWHERE: "2. punkts",
}
STAYS = {
    SuspensionReason.LONG_TERM_CARE: "uzturēšanās ilgstošas sociālās aprūpes institūcijā",
    SuspensionReason.INPATIENT: "ārstēšanās stacionārā ārstniecības iestādē",
    SuspensionReason.PRISON: "atrašanās ieslodzījuma vietā",
}
TERMINATIONS = {
    TerminationReason.WITHDRAWAL: "persona rakstveidā atteikusies no pakalpojuma",
    TerminationReason.MOVED: "persona deklarējusi dzīvesvietu citā pašvaldībā",
    TerminationReason.EXPIRED: "beidzies invaliditātes vai atzinuma derīguma termiņš",
    TerminationReason.NOT_USED: "pakalpojums netiek izmantots",
    TerminationReason.PERIOD_ENDED: "beidzies piešķirtais periods, un jauns lēmums nav pieņemts",
    TerminationReason.OTHER: "citi apstākļi, kas norādīti lēmumā",
}
# legal.md §3 item 4: the representative's relation, in the nominative after a label.
RELATIONS = {
    "parent": "vecāks",
    "foster_family": "audžuģimene",
    "guardian": "aizbildnis",
    "authorised": "pilnvarotā persona",
}
PERIOD_KINDS = {
    PeriodKind.ONE_TIME: "vienreizējs pakalpojums (viena diena)",
    PeriodKind.ONE_MONTH: "viens mēnesis",
    PeriodKind.SEVERAL_MONTHS: "vairāki mēneši",
    PeriodKind.END_OF_YEAR: "līdz kalendārā gada beigām",
    PeriodKind.ONE_YEAR: "viens gads",
}
DUTIES = (
    "Personas pienākums ir triju darba dienu laikā paziņot sociālajam dienestam par "
    "deklarētās dzīvesvietas maiņu; par uzturēšanos slimnīcā, ilgstošas sociālās aprūpes "
    "institūcijā vai ieslodzījuma vietā; par darbību vai mērķu maiņu un par citiem "
    "apstākļiem, kas ietekmē stundu skaitu vai asistentu (likuma „Par sociālo drošību” "
    "26. pants)."
)
CONTRACT = (
    "Pakalpojumu sniedz asistents saskaņā ar līgumu, ko slēdz sociālais dienests, persona "
    "(vai tās likumiskais pārstāvis) un asistents; persona var ieteikt asistentu. Līgumā "
    "atkārto piešķirto apjomu un periodu. Apmaksā tikai faktiski sniegtās stundas."
)


def build(municipality: Municipality, acts: ActsData, state: CaseState, number: int) -> Document:
    """The document of decision ``number`` (1, 2, … within the case), with the facts that
    were in force when it was taken (legal.md §3: never rebuilt from later facts)."""
    if not 1 <= number <= len(state.decisions):
        raise DocumentError(f"the case has no decision {number}")
    assert state.opened is not None
    decision = state.decisions[number - 1]
    facts = state.decision_facts[number - 1] if len(state.decision_facts) >= number else None
    writer = _Writer(municipality, acts, state, decision, facts)
    return writer.document()


def fingerprinted(
    state: CaseState, events: list[BaseModel]
) -> tuple[list[BaseModel], list[Issued]]:
    """The acts of newly decided events laid out, rendered and fingerprinted (issued.py says
    why): ``events`` with ``document_sha256`` set on each decision, rendered from the case as it
    is once that decision is applied, and the documents to store. Unchanged (and nothing to
    store) when the municipality has no legal data."""
    opened = state.opened
    acts = ACTS_DATA.get(opened.municipality) if opened else None
    if opened is None or acts is None:
        return events, []
    municipality = MUNICIPALITIES[opened.municipality]
    result: list[BaseModel] = []
    issued: list[Issued] = []
    for event in events:
        state = evolve(state, event)
        if isinstance(event, DECISION_TYPES):
            number = event.decision_number
            doc = build(municipality, acts, state, number)
            html = render_html(doc)
            event = event.model_copy(update={"document_sha256": html_sha256(html)})
            issued.append(
                Issued(
                    opened.case_id, number, opened.municipality, event.register_number, doc, html
                )
            )
        result.append(event)
    return result, issued


@dataclass
class _Writer:
    municipality: Municipality
    acts: ActsData
    state: CaseState
    decision: Decision
    facts: AssessmentRecorded | None
    sections: list[Section] = field(default_factory=list)

    def section(self, heading: str, *blocks: Block) -> None:
        self.sections.append(Section(heading, list(blocks)))

    def document(self) -> Document:
        opened = self.state.opened
        assert opened is not None
        decision = self.decision
        letter = isinstance(decision, DeadlineExtended)
        self.section("Adresāts", *self._addressee())
        if isinstance(decision, DeadlineExtended):
            self._extension(decision)
        else:
            self.section("Izskatāmais jautājums", self._request())
            rule_set = getattr(decision, "rule_set", None)
            facts = facts_established(self.facts, opened.client.declared_address, rule_set)
            self._by_kind(facts)
            self.section("Spēkā stāšanās", ENTRY_INTO_FORCE)
            self.section("Apstrīdēšanas un pārsūdzēšanas kārtība", self._objection())
        register = decision.register_number or str(decision.decision_number)
        return Document(
            issuer=[
                self.municipality.name.upper(),
                self.municipality.social_service.upper(),
                self.municipality.social_service_address,
            ],
            title="" if letter else "LĒMUMS",
            place_and_date=f"{self.acts.place_locative} {date_words(decision.decided_on, 'loc')}",
            number=f"Nr. {register}",
            subject=self._subject(),
            sections=self.sections,
            signature=self._signature(decision.official),
        )

    # --- common parts -------------------------------------------------------------------

    def _addressee(self) -> list[Block]:
        """legal.md §3 item 4; §7: names in the nominative after a label."""
        opened = self.state.opened
        assert opened is not None
        client = opened.client
        line = (
            f"{client.first_name} {client.last_name}, personas kods "
            f"{personal_code_lv(client.personal_code)}"
        )
        if client.declared_address:
            line += f", deklarētā dzīvesvieta: {client.declared_address}"
        blocks: list[Block] = [line + "."]
        representative = opened.representative
        if representative is not None:
            relation = RELATIONS.get(representative.relation, "pārstāvis")
            blocks.append(
                f"Likumiskais pārstāvis: {representative.first_name} "
                f"{representative.last_name} ({relation}); dokumentu paziņo pārstāvim "
                "(Administratīvā procesa likuma 67. panta otrās daļas 2. punkts)."
            )
        elif opened.has_representative:
            blocks.append(
                "Personai ir likumiskais pārstāvis; dokumentu paziņo likumiskajam pārstāvim "
                "(Administratīvā procesa likuma 67. panta otrās daļas 2. punkts)."
            )
        return blocks

    def _request(self) -> str:
        opened = self.state.opened
        assert opened is not None
        who = "personas likumiskais pārstāvis" if opened.has_representative else "persona"
        return (
            f"Sociālais dienests {date_words(opened.received_on, 'loc')} saņēma iesniegumu par "
            f"asistenta pakalpojuma piešķiršanu. Iesniedzējs: {who}."
        )

    def _subject(self) -> str:
        decision = self.decision
        if isinstance(decision, GrantAmended):
            amended = self._amended()
            if amended is None:
                return "Par lēmuma par asistenta pakalpojumu grozīšanu"
            number = amended.register_number or str(amended.decision_number)
            return f"Par {date_words(amended.decided_on, 'gen')} lēmuma Nr. {number} grozīšanu"
        return SUBJECTS[type(decision)]

    def _amended(self) -> HoursGranted | GrantAmended | None:
        """The grant or amendment in force before this amendment (legal.md §4)."""
        before = self.state.decisions[: self.decision.decision_number - 1]
        grants = [d for d in before if isinstance(d, HoursGranted | GrantAmended)]
        return grants[-1] if grants else None

    def _view(self, view: str, unfavourable: bool, act: Decision | None = None) -> None:
        """legal.md §3 item 7: the person's view and how it was weighed (APL 62); for an
        unfavourable act the hearing (how, when, by when asked) or the named exception."""
        hearing = getattr(act, "hearing", None)
        exception = getattr(act, "hearing_exception", None)
        if hearing is not None:
            extra = [_sentence(view)] if view else []
            self.section("Personas viedoklis", *hearing_lines(hearing), *extra)
        elif exception is not None:
            self.section("Personas viedoklis", exception_line(exception))
        elif view:
            self.section("Personas viedoklis", _sentence(view))
        elif unfavourable:
            self.section(
                "Personas viedoklis",
                "Personas viedoklis lietā nav saņemts (Administratīvā procesa likuma 62. pants).",
            )
        else:
            self.section(
                "Personas viedoklis",
                "Lēmums atbilst personas iesniegumam; personas viedoklis atsevišķi nav "
                "noskaidrots (Administratīvā procesa likuma 62. panta pirmā daļa).",
            )

    def _objection(self) -> str:
        """legal.md §5 notice template, filled from the municipality's configuration."""
        a = self.acts
        body_gen = a.objection_body_genitive[0].upper() + a.objection_body_genitive[1:]
        return (
            f"Lēmumu var apstrīdēt {a.objection_body_locative} ({a.objection_body_address}) "
            "viena mēneša laikā no tā spēkā stāšanās dienas, iesniedzot iesniegumu "
            f"{a.filing_place_locative} ({a.filing_address}). {body_gen} lēmumu var "
            f"pārsūdzēt Administratīvās rajona tiesas {a.court_house} tiesu namā "
            f"({a.court_address}) viena mēneša laikā no tā spēkā stāšanās dienas. "
            "(Sociālo pakalpojumu un sociālās palīdzības likuma 10. pants, Administratīvā "
            "procesa likuma 76. un 79. pants.)"
        )

    def _signature(self, official: Official | None) -> list[str]:
        """legal.md §3 item 13: position, first name and surname, the e-signature line."""
        if official is None:
            official = Official(name=self.acts.official_name, position=self.acts.official_position)
        return [official.position, official.name, E_SIGNATURE]

    # --- per kind -------------------------------------------------------------------------

    def _by_kind(self, facts: list[str]) -> None:
        decision = self.decision
        match decision:
            case HoursGranted():
                self.section("Konstatētie fakti", *facts)
                self._view("", unfavourable=False)
                self._grant_reasoning(decision)
                self.section("Piemērotās tiesību normas", *self._law(decision))
                self.section(
                    "Nolemts",
                    *self._volume(decision, decision.period_start, decision.period_end, False),
                )
                self.section("Personas pienākumi un pakalpojuma sniegšana", CONTRACT, DUTIES)
            case GrantAmended():
                amended = self._amended()
                changed = [f"Mainījušies apstākļi: {_sentence(decision.reason)}", *facts]
                if decision.dated_fact is not None:
                    changed.append(dated_fact_line(decision.dated_fact))
                self.section("Konstatētie fakti", *changed)
                lower = amended is not None and (
                    decision.hours < amended.hours or decision.period_end < amended.period_end
                )
                self._view(decision.person_view, unfavourable=lower, act=decision)
                self._grant_reasoning(decision)
                self.section("Piemērotās tiesību normas", *self._law(decision, lower))
                self.section(
                    "Nolemts",
                    *self._volume(decision, decision.effective_from, decision.period_end, True),
                    "Pārējā daļā grozāmais lēmums paliek spēkā.",
                )
                self.section("Personas pienākumi un pakalpojuma sniegšana", CONTRACT, DUTIES)
            case ApplicationRefused():
                self._refusal(decision, facts)
            case ServiceSuspended():
                self._suspension(decision)
            case ServiceResumed():
                self._resumption(decision)
            case ServiceTerminated():
                self._termination(decision)

    def _law(self, decision: HoursGranted | GrantAmended, unfavourable: bool = False) -> list[str]:
        points: list[str] = []
        if decision.rule_set is RuleSetId.LV_2021:
            points = ["2. punkts"]
            if decision.purpose is not None:
                points += ["3. punkts", "1. pielikums"]
            if decision.p17_exception:
                points.append("17. punkts")
        return applied_law(decision.rule_set, points, unfavourable)

    def _grant_reasoning(self, decision: HoursGranted | GrantAmended) -> None:
        """legal.md §3 item 8: why each rule applies and what it gives, in sentences."""
        per = PER[decision.unit]
        competence = (
            f"{REG_316} 2. punkts"
            if decision.rule_set is RuleSetId.LV_2021
            else REGULATION_NOMINATIVE[decision.rule_set]
        )
        blocks: list[Block] = [
            "Pakalpojumu piešķir tās pašvaldības sociālais dienests, kuras administratīvajā "
            f"teritorijā ir personas deklarētā dzīvesvieta ({competence}).",
        ]
        if decision.purpose is not None:
            blocks.append(
                "Persona ir pilngadīga, tai noteikta I vai II invaliditātes grupa un "
                "funkcionālie traucējumi vai medicīniskās indikācijas, un sociālais dienests "
                f"ir novērtējis vajadzību pēc asistenta, tāpēc tā atbilst {REG_316} 3. punkta "
                "nosacījumiem."
            )
            sentences, (header, rows) = purpose_reasoning(decision)
            blocks += [*sentences, Table(header, rows)]
        elif decision.breakdown:
            blocks.append(
                "Persona atbilst pakalpojuma saņemšanas nosacījumiem: tai noteikta I vai II "
                "invaliditātes grupa un ir atzinums par asistenta nepieciešamību (vai "
                f"I grupa redzes traucējumu dēļ) ({REGULATION_NOMINATIVE[decision.rule_set]})."
            )
            blocks.append(
                "Katrai apliecinātajai darbībai stundu skaitu nosaka līdz noteikumos "
                "paredzētajam maksimumam; kopējais apjoms nepārsniedz 40 stundu nedēļā."
            )
            header = ("Darbība", "Nepieciešams, stundas nedēļā", "Pieļaujams, stundas nedēļā")
            blocks.append(Table(header, [_activity_row(line) for line in decision.breakdown]))
            if decision.need_hours > decision.rules_hours:
                blocks.append(
                    "Persona saņem valsts pabalstu par asistenta izmantošanu, tāpēc pirmās "
                    "10 stundas nedēļā pašvaldība neapmaksā."
                )
        elif decision.unit is Unit.MONTH:
            blocks.append(_child_reasoning(decision))
        allowed = hours_text(decision.rules_hours)
        blocks.append(f"Noteikumos pieļaujamais apjoms: {allowed} {per}.")
        if decision.reduction_reason:
            blocks.append(
                f"Sociālais dienests piešķir mazāku apjomu, nekā pieļauj noteikumi, jo: "
                f"{decision.reduction_reason} (Administratīvā procesa likuma 65. un 66. pants)."
            )
        blocks.append(self._period_reasoning(decision))
        self.section("Lēmuma pamatojums", *blocks)

    def _period_reasoning(self, decision: HoursGranted | GrantAmended) -> str:
        text = (
            "Periods nepārsniedz invaliditātes, atzinuma vai novērtējuma derīguma termiņu un "
            "noteikumos pieļaujamo ilgumu"
        )
        if decision.rule_set is RuleSetId.LV_2021:
            text += " (ne vairāk kā trīs gadi)"
        if decision.period_kind is not None:
            kind = PERIOD_KINDS[decision.period_kind]
            if decision.period_months:
                kind = f"{kind} ({decision.period_months})"
            text += f". Perioda veids: {kind}"
        return text + "."

    def _volume(
        self, decision: HoursGranted | GrantAmended, start: date, end: date, amended: bool
    ) -> list[Block]:
        """legal.md §4 "Grant": volume and unit, the period from–to (operative part)."""
        per = PER[decision.unit]
        opened = self.state.opened
        assert opened is not None
        client = opened.client
        verb = "Grozīt lēmumu un noteikt" if amended else "Piešķirt"
        return [
            f"{verb} asistenta pakalpojumu pašvaldībā. Persona: {client.first_name} "
            f"{client.last_name}.",
            f"Piešķirtais apjoms: {hours_text(decision.hours)} {per}.",
            f"Periods: no {date_words(start, 'gen')} līdz {date_words(end, 'dat')}.",
        ]

    def _refusal(self, decision: ApplicationRefused, facts: list[str]) -> None:
        if decision.declared_municipality is not None:
            other = MUNICIPALITIES.get(decision.declared_municipality)
            if other is not None:
                facts = [
                    *facts,
                    f"Personas deklarētā dzīvesvieta ir citas pašvaldības administratīvajā "
                    f"teritorijā (pašvaldība: {other.name}; Iedzīvotāju reģistra ziņas).",
                ]
        self.section("Konstatētie fakti", *facts)
        self._view(decision.person_view, unfavourable=True, act=decision)
        reg = REGULATION_GENITIVE[decision.rule_set]
        grounds: list[Block] = []
        for reason in decision.reasons:
            point = REFUSAL_POINTS.get(reason) if decision.rule_set is RuleSetId.LV_2021 else None
            provision = f"{reg} {point}" if point else reg
            grounds.append(f"Atteikuma pamats: {REFUSALS[reason]} ({provision}).")
        self.section("Lēmuma pamatojums", *grounds)
        points = sorted(
            {REFUSAL_POINTS[r] for r in decision.reasons if r in REFUSAL_POINTS}
            if decision.rule_set is RuleSetId.LV_2021
            else set()
        )
        self.section("Piemērotās tiesību normas", *applied_law(decision.rule_set, points, True))
        self.section("Nolemts", "Atteikt piešķirt asistenta pakalpojumu pašvaldībā.")

    def _suspension(self, decision: ServiceSuspended) -> None:
        stay = STAYS[decision.reason]
        self.section(
            "Konstatētie fakti",
            f"Fakts: {stay}; pirmā diena: {date_words(decision.suspended_from, 'nom')}.",
            *([f"Piezīme: {decision.note}"] if decision.note else []),
            *([dated_fact_line(decision.dated_fact)] if decision.dated_fact else []),
        )
        self._view(decision.person_view, unfavourable=True, act=decision)
        self.section(
            "Lēmuma pamatojums",
            "Uzturēšanās laikā ilgstošas sociālās aprūpes institūcijā, stacionārā "
            "ārstniecības iestādē vai ieslodzījuma vietā asistenta pakalpojums netiek sniegts; "
            "piešķīrums netiek izbeigts, bet pakalpojuma sniegšana tiek pārtraukta uz laiku.",
        )
        self.section("Piemērotās tiesību normas", *applied_law(RuleSetId.LV_2021, [], True))
        self.section(
            "Nolemts",
            "Pārtraukt asistenta pakalpojuma sniegšanu no "
            f"{date_words(decision.suspended_from, 'gen')} uz uzturēšanās laiku.",
            "Pakalpojuma sniegšanu atjauno pēc uzturēšanās beigām, kad persona par to "
            "paziņojusi sociālajam dienestam. Līgums ar asistentu netiek izbeigts, taču "
            "pārtraukuma laikā asistenta stundas netiek apmaksātas.",
        )

    def _resumption(self, decision: ServiceResumed) -> None:
        grant = self._amended()
        self.section(
            "Konstatētie fakti",
            "Uzturēšanās, kuras dēļ pakalpojuma sniegšana tika pārtraukta, ir beigusies.",
            *([f"Piezīme: {decision.note}"] if decision.note else []),
        )
        self._view("", unfavourable=False)
        self.section(
            "Lēmuma pamatojums",
            "Pārtraukuma iemesls ir zudis, tāpēc pakalpojuma sniegšanu atjauno iepriekš "
            "piešķirtajā apjomā un periodā.",
        )
        self.section("Piemērotās tiesību normas", *applied_law(RuleSetId.LV_2021, [], False))
        operative: list[Block] = [
            f"Atjaunot asistenta pakalpojuma sniegšanu ar {date_words(decision.resumed_on, 'acc')}."
        ]
        if grant is not None:
            operative.append(
                f"Apjoms un periods nemainās: {hours_text(grant.hours)} {PER[grant.unit]} "
                f"līdz {date_words(grant.period_end, 'dat')}."
            )
        self.section("Nolemts", *operative)

    def _termination(self, decision: ServiceTerminated) -> None:
        last_day = decision.terminated_from - timedelta(days=1)
        self.section(
            "Konstatētie fakti",
            f"Izbeigšanas pamats: {TERMINATIONS[decision.reason]}.",
            *([f"Piezīme: {decision.note}"] if decision.note else []),
            *([dated_fact_line(decision.dated_fact)] if decision.dated_fact else []),
        )
        withdrawn = decision.reason is TerminationReason.WITHDRAWAL
        if withdrawn:
            self.section(
                "Personas viedoklis",
                "Persona rakstveidā atteikusies no pakalpojuma; viedokļa noskaidrošana nav "
                "nepieciešama (Administratīvā procesa likuma 62. panta otrā daļa).",
            )
        else:
            self._view(decision.person_view, unfavourable=True, act=decision)
        self.section(
            "Lēmuma pamatojums",
            f"Tā kā {TERMINATIONS[decision.reason]}, asistenta pakalpojuma sniegšana "
            f"izbeidzama ({REGULATION_NOMINATIVE[RuleSetId.LV_2021]}).",
        )
        self.section(
            "Piemērotās tiesību normas", *applied_law(RuleSetId.LV_2021, [], not withdrawn)
        )
        self.section(
            "Nolemts",
            "Izbeigt asistenta pakalpojuma sniegšanu ar "
            f"{date_words(decision.terminated_from, 'acc')}.",
            f"Pēdējā pakalpojuma diena: {date_words(last_day, 'nom')}.",
            "Līgums ar asistentu izbeidzas; asistents iesniedz pēdējo darba laika uzskaiti par "
            "laiku līdz pēdējai pakalpojuma dienai.",
        )

    def _extension(self, decision: DeadlineExtended) -> None:
        """legal.md §4 "Extension notice": a letter to the applicant (Jūs, capitalised)."""
        self.section(
            "Paziņojums",
            f"Sociālais dienests {date_words(decision.received_on, 'loc')} saņēma Jūsu "
            "iesniegumu par asistenta pakalpojuma piešķiršanu. Iesniegums bija jāizskata līdz "
            f"{date_words(decision.previous_deadline, 'dat')} (Administratīvā procesa likuma "
            "64. panta pirmā daļa).",
            "Lietas faktisko apstākļu noskaidrošanai nepieciešams ilgāks laiks. Iemesls: "
            f"{decision.reason.rstrip('.')}.",
            "Tāpēc, pamatojoties uz Administratīvā procesa likuma 64. panta otro daļu, Jūsu "
            "iesnieguma izskatīšanas termiņš tiek pagarināts līdz "
            f"{date_words(decision.new_deadline, 'dat')}.",
            f"Jaunais termiņš: {date_lv(decision.new_deadline)}",
        )


def _sentence(text: str) -> str:
    """Free text of the caseworker as a sentence of the document: ends with a full stop."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _activity_row(line: ActivityBreakdown) -> tuple[str, ...]:
    return (ACTIVITIES[line.kind], hours_lv(line.claimed), hours_lv(line.granted))


def _child_reasoning(decision: HoursGranted | GrantAmended) -> str:
    """rules.md §4.3: a child's fixed month hours; the family decides their use."""
    reg = REGULATION_NOMINATIVE[decision.rule_set]
    hours = hours_text(decision.rules_hours)
    volume = (
        "Bērns vismaz reizi nedēļā saņem ārsta nozīmētas medicīniskās procedūras vai "
        f"rehabilitāciju, tāpēc apjoms ir {hours} mēnesī."
        if decision.rules_hours > CHILD_BASE_HOURS
        else f"Apjoms ir {hours} mēnesī."
    )
    return (
        "Persona perioda sākumā ir bērns, un tam ir atzinums par īpašas kopšanas "
        "nepieciešamību smagu funkcionālu traucējumu dēļ, tāpēc bērnam pienākas asistenta "
        f"pakalpojums ar noteiktu stundu skaitu mēnesī ({reg}). {volume} Ģimene pati lemj, "
        "kad un kam stundas izmanto."
    )
