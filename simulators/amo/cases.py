"""Named AMO cases: the AMO edge cases scenarios refer to by name (like the AMC personas), one builder each.

Each case is a person of the dataset (a persona, or someone of the drawn population picked in a seeded order)
whose AMO record the case sets, with an MCO stay to bill. Picking people of the dataset keeps the AMO and AMC views
of a patient in agreement: the AMC knows them (population contracts are open on the reference date) and CDRi
answers from the same identity. `amo-unknown` is the one person the dataset does not hold.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from simulators.amo.rights import (AmoOrganisme, AmoRecord, Css, Exoneration, ExonerationReason, RightsPeriod,
                                   default_organisme, default_record)
from simulators.data.providers import DMTS, MODES_TRAITEMENT
from simulators.data.tariffs import StayShape, lines_for, make_stay
from simulators.domain import (AmcContract, Beneficiary, BirthDate, Domaine, Establishment, Nir, PrestationLine,
                               Stay, StayType)

if TYPE_CHECKING:
    from simulators.data.dataset import Dataset

CASE_SHAPE = StayShape(Domaine.MCO, StayType.HOSPITALISATION_COMPLETE, 4)
CASE_VENUE_PREFIX = "98"  # persona venues start with 99, drawn ones with the worker index (000-899)


@dataclass(frozen=True, slots=True)
class AmoCase:
    """A named AMO situation: who (as the hospital types them), what the AMO knows (None: unknown), a stay."""

    name: str
    title: str
    expected: str
    beneficiary: Beneficiary
    record: AmoRecord | None
    establishment: Establishment
    stay: Stay
    lines: tuple[PrestationLine, ...]
    contract: AmcContract | None = None  # their AMC contract, when the AMC knows them
    persona: str | None = None  # the AMC persona this person is, if any

    def card(self) -> dict[str, Any]:
        """JSON-ready summary (what to type at the desk, what CDRi should answer)."""
        record = self.record
        return {
            "name": self.name, "title": self.title, "expected": self.expected, "persona": self.persona,
            "patient": {"nir": str(self.beneficiary.nir), "birth_date": str(self.beneficiary.birth_date),
                        "rang_naissance": self.beneficiary.rang_naissance,
                        "last_name": self.beneficiary.last_name, "first_name": self.beneficiary.first_name},
            "amo": None if record is None else {
                "organisme": record.organisme.code, "organisme_name": record.organisme.name,
                "quality": record.quality.value, "rang_beneficiaire": record.rang_beneficiaire,
                "periods": [[p.start.isoformat(), p.end.isoformat()] for p in record.periods],
                "exonerations": [{"reason": e.reason.value, "start": e.start.isoformat(),
                                  "end": e.end.isoformat() if e.end else None, "reference": e.reference}
                                 for e in record.exonerations],
                "css": None if record.css is None else {"organisme": record.css.organisme,
                                                         "start": record.css.start.isoformat(),
                                                         "end": record.css.end.isoformat()},
            },
            "establishment": str(self.establishment.finess_geographique),
            "stay": {"venue_number": self.stay.venue_number, "admission_date": self.stay.admission_date.isoformat(),
                     "discharge_date": self.stay.discharge_date.isoformat() if self.stay.discharge_date else None},
            "numero_amc": self.contract.attestation.numero_amc if self.contract else None,
        }


@dataclass
class CaseKit:
    """What a case builder gets: the dataset, the people already taken, and stays numbered in case order."""

    dataset: "Dataset"
    used: set[tuple[str, str, int]] = field(default_factory=set)
    venues: int = 0

    @property
    def reference(self) -> date:
        return self.dataset.reference_date

    def default(self, beneficiary: Beneficiary) -> AmoRecord:
        return default_record(self.dataset.seed, self.reference, beneficiary)

    def pick(self, name: str, accept: Callable[[Beneficiary], bool]) -> tuple[Beneficiary, AmcContract]:
        """An insured adult of the population, alone on their NIR, that `accept`s, in a seeded order."""
        dataset = self.dataset
        per_nir: dict[str, int] = {}
        for beneficiary in dataset.beneficiaries:
            per_nir[beneficiary.nir.body] = per_nir.get(beneficiary.nir.body, 0) + 1
        contracts = list(dataset.population_contracts)
        random.Random(f"amo-case:{dataset.seed}:{name}").shuffle(contracts)
        for contract in contracts:
            person = dataset.beneficiary_of(contract)
            key = (person.nir.body, str(person.birth_date), person.rang_naissance)
            if (key not in self.used and person.insured_nir is None and per_nir[person.nir.body] == 1
                    and not person.birth_date.is_lunar and accept(person)):
                self.used.add(key)
                return person, contract
        raise LookupError(f"AMO case {name}: no one in the population fits (seed {dataset.seed})")

    def age(self, person: Beneficiary) -> int:
        born = person.birth_date.approximate()
        return self.reference.year - born.year - ((self.reference.month, self.reference.day) < (born.month, born.day))

    def stay(self, name: str) -> tuple[Establishment, Stay, tuple[PrestationLine, ...]]:
        """Four MCO nights at the CHU, admitted on the reference date."""
        self.venues += 1
        shape = CASE_SHAPE
        stay = make_stay(shape, venue_number=f"{CASE_VENUE_PREFIX}{self.venues:08d}", admission=self.reference,
                         mode_traitement=MODES_TRAITEMENT[(shape.domaine, shape.stay_type)],
                         dmt=DMTS[shape.domaine][0])
        lines = lines_for(stay, shape, random.Random(f"amo-case-lines:{self.dataset.seed}:{name}"))
        return self.dataset.establishment("chu"), stay, lines


CaseBuilder = Callable[[CaseKit], AmoCase]
REGISTRY: dict[str, CaseBuilder] = {}


def amo_case(name: str) -> Callable[[CaseBuilder], CaseBuilder]:
    def register(builder: CaseBuilder) -> CaseBuilder:
        if name in REGISTRY:
            raise ValueError(f"AMO case {name!r} registered twice")
        REGISTRY[name] = builder
        return builder
    return register


def _population_case(kit: CaseKit, name: str, title: str, expected: str, accept: Callable[[Beneficiary], bool],
                     change: Callable[[AmoRecord], AmoRecord]) -> AmoCase:
    person, contract = kit.pick(name, accept)
    establishment, stay, lines = kit.stay(name)
    return AmoCase(name, title, expected, person, change(kit.default(person)), establishment, stay, lines, contract)


def _persona_case(kit: CaseKit, name: str, title: str, expected: str, persona: str) -> AmoCase:
    found = kit.dataset.persona(persona)
    kit.used.add((found.beneficiary.nir.body, str(found.beneficiary.birth_date), found.beneficiary.rang_naissance))
    return AmoCase(name, title, expected, found.beneficiary, kit.default(found.beneficiary), found.establishment,
                   found.stay, found.lines, found.contract, persona)


@amo_case("amo-open")
def _open(kit: CaseKit) -> AmoCase:
    return _persona_case(kit, "amo-open", "AMO rights open (régime général or MSA)",
                         "CDRi OUVERTS, no exoneration, no CSS; B2 paid in full", "rights-open")


@amo_case("amo-dependant")
def _dependant(kit: CaseKit) -> AmoCase:
    return _persona_case(kit, "amo-dependant", "Child on a parent's rights (ayant droit, twin of rang 2)",
                         "CDRi OUVERTS, quality AYANT_DROIT, rang de bénéficiaire 2, the parent's NIR as ouvrant droit",
                         "twins-rank-2")


def _periods_case(kit: CaseKit, name: str, title: str, expected: str, period: RightsPeriod) -> AmoCase:
    """Someone whose only rights period is `period`."""
    return _population_case(kit, name, title, expected, lambda person: True,
                            lambda record: replace(record, periods=(period,)))


def _exoneration_case(kit: CaseKit, name: str, title: str, accept: Callable[[Beneficiary], bool],
                      exoneration: Exoneration, note: str = "") -> AmoCase:
    """Someone (fitting `accept`) with open rights and `exoneration`."""
    expected = (f"CDRi OUVERTS with exoneration {exoneration.reason.value} {exoneration.start}.."
                f"{exoneration.end or '(no end)'}"
                f"{', reference ' + exoneration.reference if exoneration.reference else ''}{note}")
    return _population_case(kit, name, title, expected, accept,
                            lambda record: replace(record, exonerations=(exoneration,)))


@amo_case("amo-rights-closed")
def _closed(kit: CaseKit) -> AmoCase:
    end = date(kit.reference.year - 1, 12, 31)
    return _periods_case(kit, "amo-rights-closed", "AMO rights closed before admission",
                         f"CDRi FERMES (last period ends {end}); a B2 invoice is rejected rights.closed",
                         RightsPeriod(date(kit.reference.year - 4, 1, 1), end))


@amo_case("amo-rights-not-yet-open")
def _not_yet_open(kit: CaseKit) -> AmoCase:
    opens = kit.reference + timedelta(days=10)
    return _periods_case(kit, "amo-rights-not-yet-open", "AMO rights opening after admission",
                         f"CDRi NON_OUVERTS (rights open {opens}); a B2 invoice is rejected rights.not_yet_open",
                         RightsPeriod(opens, date(kit.reference.year + 2, 12, 31)))


@amo_case("amo-ald")
def _ald(kit: CaseKit) -> AmoCase:
    return _exoneration_case(kit, "amo-ald", "Long-term illness (ALD) exoneration",
                             lambda person: kit.age(person) >= 60,
                             Exoneration(ExonerationReason.ALD, date(kit.reference.year - 2, 3, 15), None, "ALD-30"),
                             ": the GAP bills the AMO at 100 %")


@amo_case("amo-maternity")
def _maternity(kit: CaseKit) -> AmoCase:
    return _exoneration_case(kit, "amo-maternity", "Maternity exoneration",
                             lambda person: person.nir.body[0] == "2" and 20 <= kit.age(person) <= 42,
                             Exoneration(ExonerationReason.MATERNITY, kit.reference - timedelta(days=60),
                                         kit.reference + timedelta(days=60)))


@amo_case("amo-work-accident")
def _work_accident(kit: CaseKit) -> AmoCase:
    return _exoneration_case(kit, "amo-work-accident", "Work accident (accident du travail)",
                             lambda person: 20 <= kit.age(person) <= 64,
                             Exoneration(ExonerationReason.WORK_ACCIDENT, kit.reference - timedelta(days=7),
                                         kit.reference + timedelta(days=83), f"AT-{kit.dataset.seed % 10**8:08d}"))


@amo_case("amo-css")
def _css(kit: CaseKit) -> AmoCase:
    start, end = kit.reference - timedelta(days=30), kit.reference + timedelta(days=365)
    return _population_case(
        kit, "amo-css", "Complémentaire santé solidaire (CSS)",
        f"CDRi OUVERTS with CSS {start}..{end} managed by the patient's caisse",
        lambda person: True,
        lambda record: replace(record, css=Css(record.organisme.name, start, end)))


@amo_case("amo-msa")
def _msa(kit: CaseKit) -> AmoCase:
    def to_msa(record: AmoRecord) -> AmoRecord:
        organisme: AmoOrganisme = default_organisme(kit.dataset.seed, record.beneficiary.nir.body, regime="02")
        return replace(record, organisme=organisme)

    return _population_case(kit, "amo-msa", "Agricultural régime (MSA)",
                            "CDRi OUVERTS, régime 02 (MSA): the B2 lot goes to the MSA organisme",
                            lambda person: True, to_msa)


@amo_case("amo-unknown")
def _unknown(kit: CaseKit) -> AmoCase:
    taken = {b.nir.body for b in kit.dataset.beneficiaries}
    rng = random.Random(f"amo-unknown:{kit.dataset.seed}")
    while True:  # a valid NIR the dataset does not hold
        body = f"1{rng.randint(60, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 95):02d}{rng.randint(1, 999_999):06d}"
        if body not in taken:
            break
    nir = Nir.with_key(body)
    birth_year = 1900 + int(body[1:3])
    person = Beneficiary(nir, BirthDate(birth_year, int(body[3:5]), 15), 1, "INCONNU", "PATIENT")
    establishment, stay, lines = kit.stay("amo-unknown")
    return AmoCase("amo-unknown", "Unknown to the AMO",
                   "CDRi fault beneficiary.unknown; a B2 invoice is rejected beneficiary.unknown",
                   person, None, establishment, stay, lines)


@lru_cache(maxsize=8)
def amo_cases(dataset: "Dataset") -> dict[str, AmoCase]:
    """Every AMO case of the dataset, in registry order (deterministic in the dataset's seed)."""
    kit = CaseKit(dataset)
    return {name: builder(kit) for name, builder in REGISTRY.items()}
