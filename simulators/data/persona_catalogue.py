"""The named personas: one builder each, registered under a stable name, in catalogue order.

Dates are relative to the dataset's reference date (admission on that date unless said otherwise); numbers,
names and amounts come from the seed. Expected texts quote the pricing engine, so they always agree with SIM/CLC.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from simulators.data.formulas import _BASE, CONFORT, ESSENTIEL, HOSPI_MCO, PREMIUM
from simulators.data.persona_kit import Persona, PersonaKit, amounts, persona
from simulators.data.tariffs import ACE_ACTS, CP, TM, StayShape
from simulators.domain import (AmcContract, AmcOrganisation, Attestation, Beneficiary, BirthDate, CoverageRule, Domaine,
                               Establishment, Nir, PrestationLine, Stay, StayType, format_cents)
from simulators.domain.pricing import line_amo
from simulators.domain.routing import RoutingChange

HC, ACE = StayType.HOSPITALISATION_COMPLETE, StayType.ACE
MCO_4_NIGHTS = StayShape(Domaine.MCO, HC, 4)


def _assemble(name: str, title: str, description: str, expected: str, *, beneficiary: Beneficiary,
              organisation: AmcOrganisation, contract: AmcContract | None, establishment: Establishment,
              stay: Stay, lines: tuple[PrestationLine, ...], behaviours: tuple[str, ...] = (),
              attestation: Attestation | None = None) -> Persona:
    """The Persona record; `{amounts}` in `expected` becomes the SIM/CLC totals of these lines."""
    return Persona(name, title, description, beneficiary, organisation,
                   attestation or contract.attestation, contract, establishment, stay, lines, behaviours,
                   expected.replace("{amounts}", amounts(contract, stay, lines)))


def _simple(kit: PersonaKit, name: str, title: str, description: str, expected: str, *, role: str = "direct-1",
            behaviours: tuple[str, ...] = (), shape: StayShape = MCO_4_NIGHTS, establishment: str = "chu",
            **contract_changes) -> Persona:
    """A covered adult (or `person=`), a stay (4 MCO nights unless told): the frame most personas vary."""
    beneficiary, organisation, contract = kit.patient(role, **contract_changes)
    place, stay, lines = kit.stay(shape, establishment=establishment)
    return _assemble(name, title, description, expected, beneficiary=beneficiary, organisation=organisation,
                     contract=contract, establishment=place, stay=stay, lines=lines, behaviours=behaviours)


@persona("rights-open")
def _rights_open(kit: PersonaKit) -> Persona:
    return _simple(kit, "rights-open", "Rights open, ordinary surgical stay",
                   "Adult with a Confort contract, 4 nights in MCO with a private room: the reference happy path.",
                   "IDB open; SIM = CLC: {amounts}",
                   shape=StayShape(Domaine.MCO, HC, 4, chambre_particuliere_cents=6_500))


@persona("rights-closed")
def _rights_closed(kit: PersonaKit) -> Persona:
    end = date(kit.reference.year - 1, 12, 31)
    return _simple(kit, "rights-closed", "Rights closed before admission",
                   f"The contract ended on {end} (last covered day); the patient still carries last year's "
                   "attestation.",
                   f"IDB fault rights.closed (rights ended {end}): no SIM/CLC, the patient or a paper "
                   "prise en charge pays", validity=(date(kit.reference.year - 3, 1, 1), end))


@persona("rights-opening-mid-stay")
def _opening_mid_stay(kit: PersonaKit) -> Persona:
    opens = kit.reference + timedelta(days=2)
    return _simple(kit, "rights-opening-mid-stay", "Rights open two days after admission",
                   f"New contract starting {opens}, during a stay admitted {kit.reference}. The bench does not "
                   "grant partial rights: the stay is judged on its admission date.",
                   f"IDB fault rights.not_yet_open with valid_from {opens}: the GAP shows the date and does not "
                   "bill the AMC for this stay",
                   shape=StayShape(Domaine.MCO, HC, 5), validity=(opens, date(kit.reference.year + 1, 12, 31)))


@persona("rights-closing-mid-stay")
def _closing_mid_stay(kit: PersonaKit) -> Persona:
    closes = kit.reference + timedelta(days=2)
    beneficiary, organisation, contract = kit.patient(validity=(date(kit.reference.year - 2, 1, 1), closes))
    establishment, stay, lines = kit.stay(StayShape(Domaine.MCO, HC, 5))
    ghs, fj = lines[0], lines[1]
    before = replace(fj, end=closes, quantity=(closes - stay.admission_date).days + 1)
    after = replace(fj, line_number=3, start=closes + timedelta(days=1),
                    quantity=(stay.discharge_date - closes).days)
    return _assemble("rights-closing-mid-stay", "Rights end during the stay",
                     f"The contract's last covered day is {closes}; the GAP split the forfait journalier there.",
                     f"IDB open with valid_to {closes}; SIM: line 3 (days after {closes}) refused rights.closed; "
                     "{amounts}", beneficiary=beneficiary, organisation=organisation, contract=contract,
                     establishment=establishment, stay=stay, lines=(ghs, before, after))


@persona("unknown-beneficiary")
def _unknown(kit: PersonaKit) -> Persona:
    organisation = kit.amc("direct-2")
    attestation = kit.people.attestation(organisation, kit.fake.numero_adherent(),
                                         kit.reference - timedelta(days=30), kit.reference + timedelta(days=365))
    establishment, stay, lines = kit.stay(MCO_4_NIGHTS)
    return _assemble("unknown-beneficiary", "Attestation of an AMC that does not know the patient",
                     "A well-formed attestation of a real AMC, but no contract with this NIR there.",
                     "IDB fault beneficiary.unknown: the GAP bills the patient or asks for another attestation",
                     beneficiary=kit.people.insured(), organisation=organisation, contract=None,
                     establishment=establishment, stay=stay, lines=lines, attestation=attestation)


@persona("identity-mismatch")
def _identity_mismatch(kit: PersonaKit) -> Persona:
    beneficiary = kit.people.insured(min_age=30, max_age=70)
    birth = beneficiary.birth_date
    recorded = BirthDate(birth.year, birth.month, birth.day % 28 + 1)  # the AMC recorded another day
    return _simple(kit, "identity-mismatch", "Birth date differs from the AMC's record",
                   f"The hospital has {birth}; the AMC recorded {recorded} for the same NIR and rang.",
                   "IDB fault beneficiary.identity_mismatch", person=beneficiary, birth_date=recorded)


@persona("nir-key-invalid")
def _nir_key_invalid(kit: PersonaKit) -> Persona:
    beneficiary, organisation, contract = kit.patient()
    typed = replace(beneficiary, nir=Nir(beneficiary.nir.body, beneficiary.nir.key % 97 + 1))
    establishment, stay, lines = kit.stay(MCO_4_NIGHTS)
    return _assemble("nir-key-invalid", "NIR typed with a wrong key",
                     f"The admission desk typed key {typed.nir.key:02d} instead of {beneficiary.nir.key:02d}.",
                     f"the GAP refuses the NIR key at admission (expected {beneficiary.nir.key:02d}); if sent "
                     "anyway, IDB fault beneficiary.nir_key_invalid", beneficiary=typed, organisation=organisation,
                     contract=contract, establishment=establishment, stay=stay, lines=lines)


@persona("twins-rank-2")
def _twins(kit: PersonaKit) -> Persona:
    parent = kit.people.insured(min_age=30, max_age=45, sex=2)
    birth = kit.fake.birth_date(kit.reference, 3, 12)
    twin_1 = kit.people.dependant(parent, birth, rang=1)
    twin_2 = kit.people.dependant(parent, birth, rang=2)
    organisation = kit.amc("direct-3")
    adherent = kit.fake.numero_adherent()
    for member in (parent, twin_1):
        kit.extra_beneficiaries.append(member)
        kit.extra_contracts.append(kit.people.contract(member, organisation, CONFORT, numero_adherent=adherent))
    contract = kit.people.contract(twin_2, organisation, CONFORT, numero_adherent=adherent)
    establishment, stay, lines = kit.stay(StayShape(Domaine.MCO, HC, 2))
    return _assemble("twins-rank-2", "Second-born twin",
                     f"{twin_2.first_name} and {twin_1.first_name} are twins on their mother's NIR, born {birth}; "
                     "the AMC knows both (and the mother, rang 1 with her own birth date).",
                     f"IDB open for rang 2 ({twin_2.first_name}); sending rang 1 would identify the other twin. "
                     "SIM = CLC: {amounts}", beneficiary=twin_2, organisation=organisation, contract=contract,
                     establishment=establishment, stay=stay, lines=lines)


@persona("corsica-nir")
def _corsica(kit: PersonaKit) -> Persona:
    department = kit.fake.department(corsica=True)
    beneficiary = kit.people.insured(department=department)
    return _simple(kit, "corsica-nir", "Born in Corsica",
                   f"NIR with department {department}: the key counts it as {'19' if department == '2A' else '18'}. "
                   "Admitted in a Corsican hospital.",
                   f"IDB open; NIR {beneficiary.nir} accepted as typed (letters kept). SIM = CLC: {{amounts}}",
                   person=beneficiary, establishment="corsica")


@persona("lunar-birth-date")
def _lunar(kit: PersonaKit) -> Persona:
    beneficiary = kit.people.insured(min_age=40, max_age=80, abroad=True, lunar="month")
    return _simple(kit, "lunar-birth-date", "Birth date with unknown day and month",
                   f"Born abroad, civil record without day or month: birth date {beneficiary.birth_date}.",
                   f"IDB open; the birth date travels as {beneficiary.birth_date}, never turned into a real date. "
                   "SIM = CLC: {amounts}", person=beneficiary)


@persona("domaine-not-covered")
def _domaine_not_covered(kit: PersonaKit) -> Persona:
    return _simple(kit, "domaine-not-covered", "SSR stay on an MCO-only contract",
                   "The contract covers short stays (MCO) only; the patient is admitted in SSR (rehabilitation).",
                   "IDB fault coverage.domaine_not_covered", role="direct-2", formula=HOSPI_MCO,
                   shape=StayShape(Domaine.SSR, HC, 14), establishment="ch")


@persona("line-not-covered")
def _line_not_covered(kit: PersonaKit) -> Persona:
    return _simple(kit, "line-not-covered", "Private room not in the contract",
                   "Essentiel contract (no private room), MCO stay with a private room.",
                   "IDB open; SIM: the CP line refused coverage.line_not_covered, the patient pays it; {amounts}",
                   formula=ESSENTIEL, shape=StayShape(Domaine.MCO, HC, 3, chambre_particuliere_cents=5_500))


@persona("ceiling-reached")
def _ceiling(kit: PersonaKit) -> Persona:
    rules = _BASE + (CoverageRule(CP, flat_cents=6_000, ceiling_cents=30_000),)
    beneficiary, organisation, contract = kit.patient("operator-1", rules=rules, consumed_cents=15_000)
    establishment, stay, lines = kit.stay(StayShape(Domaine.MCO, HC, 5))
    first_room = PrestationLine(3, "CP", CP, stay.admission_date, stay.admission_date + timedelta(days=2), 3,
                                7_000, 0, 0)
    second_room = replace(first_room, line_number=4, start=stay.admission_date + timedelta(days=3),
                          end=stay.admission_date + timedelta(days=4), quantity=2)
    return _assemble("ceiling-reached", "Private-room ceiling reached during the stay",
                     "60 € a day of private room up to 300 € a year, 150 € already used; the patient changed "
                     "rooms (two CP lines).",
                     "SIM: line 3 paid 150.00 of 180.00 and line 4 nothing, both with coverage.ceiling_reached; "
                     "{amounts}", beneficiary=beneficiary, organisation=organisation, contract=contract,
                     establishment=establishment, stay=stay, lines=lines[:2] + (first_room, second_room))


@persona("contract-suspended")
def _suspended(kit: PersonaKit) -> Persona:
    return _simple(kit, "contract-suspended", "Contract suspended (unpaid contributions)",
                   "The contract is within its validity but suspended by the AMC.",
                   "IDB fault rights.suspended", role="direct-2", suspended=True)


@persona("amc-not-in-roc")
def _not_in_roc(kit: PersonaKit) -> Persona:
    organisation = kit.amc("not-in-roc")
    return _simple(kit, "amc-not-in-roc", "AMC outside the ROC scheme",
                   f"{organisation.name} is known to the annuaire but has not joined ROC.",
                   "annuaire fault amc.not_in_roc: no IDB; the GAP falls back to a paper prise en charge or bills "
                   "the patient", role="not-in-roc")


@persona("amc-behind-operator")
def _behind_operator(kit: PersonaKit) -> Persona:
    role = "operator-2"
    host_id = kit.market.host_of_role[role]
    others = [kit.amc(r).numero_amc for r in ("operator-1", "operator-3")]
    return _simple(kit, "amc-behind-operator", "AMC served by a delegated operator",
                   f"{kit.amc(role).name} delegates its ROC services to {kit.amc(role).operator}, whose host also "
                   f"serves AMCs {', '.join(others)}.",
                   f"annuaire routes to operator host {host_id} (shared with {', '.join(others)}); IDB open; "
                   "SIM = CLC: {amounts}", role=role)


@persona("routing-changed")
def _routing_changed(kit: PersonaKit) -> Persona:
    old, new = kit.market.host_of_role["legacy"], kit.market.host_of_role["operator-1"]
    organisation = kit.amc("legacy")
    change = RoutingChange(organisation.numero_amc, old, new)
    persona_ = _simple(kit, "routing-changed", "AMC moved to another operator",
                       f"The annuaire first routes {organisation.numero_amc} to host {old} (valid one day); a "
                       f"scenario then moves it to host {new}, and {old} stops serving it.",
                       f"annuaire answers {old}; after the change {old} refuses with routing.unknown and the "
                       f"annuaire answers {new}: the GAP asks the annuaire again and retries on {new}",
                       role="legacy")
    return replace(persona_, routing_change=change)


def _fault(name: str, title: str, role: str, behaviour: str, expected: str):
    @persona(name)
    def build(kit: PersonaKit) -> Persona:
        return _simple(kit, name, title, f"Every exchange with {kit.amc(role).name} (its own host) gets "
                       f"the simulator behaviour {behaviour}.", expected, role=role, behaviours=(behaviour,))
    return build


_fault("amc-slow", "AMC answering in 1.4 s (the real median)", "slow", "latency:1400ms",
       "every answer takes 1.4 s: the GAP waits without timing out or resending; IDB open; SIM = CLC: {amounts}")
_fault("amc-down", "AMC down", "down", "http_503",
       "HTTP 503 on every service: the GAP reports service.unavailable without a retry storm and falls back "
       "(paper prise en charge or patient billing)")
_fault("amc-timeout", "AMC never answering", "timeout", "timeout",
       "no answer: the GAP gives up at its own timeout (service.timeout) and falls back")
_fault("amc-malformed-answer", "AMC answering garbage", "malformed", "malformed_answer",
       "the answer is not XML: the GAP rejects it and never takes it for open rights")
_fault("amc-connection-reset", "AMC dropping the connection", "reset", "connection_reset",
       "the connection drops without an answer: the GAP reports it, retries at most once, then falls back")
_fault("amc-soap-fault", "AMC answering a fault with its contact", "fault", "soap_fault:service.unavailable",
       "SOAP fault service.unavailable with the AMC's contact (Erreur2): the GAP shows the contact and falls back")


@persona("chambre-particuliere-flat")
def _cp_flat(kit: PersonaKit) -> Persona:
    return _simple(kit, "chambre-particuliere-flat", "Private room above the contract's flat amount",
                   "Confort contract pays 45 € a day of private room; the room costs 85 € a day.",
                   "IDB open; SIM: CP line AMC 45.00 a day, patient 40.00 a day; {amounts}", role="operator-3",
                   shape=StayShape(Domaine.MCO, HC, 4, chambre_particuliere_cents=8_500))


@persona("had-stay")
def _had(kit: PersonaKit) -> Persona:
    return _simple(kit, "had-stay", "Hospitalisation at home (HAD)",
                   "Ten days of HAD, billed as daily GHT tariffs, no forfait journalier.",
                   "IDB open for HAD (mode de traitement 19); SIM = CLC: {amounts}", role="direct-3",
                   person=kit.people.insured(min_age=60), shape=StayShape(Domaine.HAD, HC, 10), establishment="had")


@persona("psy-stay")
def _psy(kit: PersonaKit) -> Persona:
    return _simple(kit, "psy-stay", "Psychiatric stay",
                   "Twenty nights in psychiatry: day price, forfait journalier at 15 € (capped at 90 days a year "
                   "by the contract, not reached), private room.",
                   "IDB open for PSY; SIM = CLC: {amounts}", role="operator-2",
                   shape=StayShape(Domaine.PSY, HC, 20, chambre_particuliere_cents=5_000), establishment="epsm")


@persona("ace-visit")
def _ace(kit: PersonaKit) -> Persona:
    return _simple(kit, "ace-visit", "External consultation (ACE)",
                   "Outpatient consultation and acts, AMO at 70 %; Premium contract pays 150 % of the base.",
                   "IDB open (ACE context); SIM = CLC: {amounts}", formula=PREMIUM,
                   shape=StayShape(Domaine.MCO, ACE, 0))


@persona("rounding-half-up")
def _rounding(kit: PersonaKit) -> Persona:
    code, price = next(act for act in ACE_ACTS if act[0] == "ZBQK002")
    beneficiary, organisation, contract = kit.patient("operator-3", ESSENTIEL)
    establishment, stay, _ = kit.stay(StayShape(Domaine.MCO, ACE, 0))
    line = PrestationLine(1, code, TM, stay.admission_date, stay.admission_date, 1, price, price, 70)
    return _assemble("rounding-half-up", "AMO share landing on half a cent",
                     f"One act at {format_cents(price)} € with the AMO at 70 %: {price * 70 / 10_000:.3f} €.",
                     f"SIM: AMO {format_cents(line_amo(line))} (half-up; banker's rounding would give "
                     f"{format_cents(round(price * 70 / 100))}); {{amounts}}", beneficiary=beneficiary,
                     organisation=organisation, contract=contract, establishment=establishment, stay=stay,
                     lines=(line,))
