"""The seeded dataset: AMCs, hosts, routes, establishments, beneficiaries, contracts and personas.

`build_dataset(seed, reference_date)` is a pure function of its arguments: the same seed and reference date give
an equal dataset in any process (one seeded Faker instance and string-seeded `random.Random`s; no hash-ordered
sets are iterated). Every date of the dataset is relative to its reference date, which is the clock's today
unless told (`simulators/clock.py`), so the same personas mean the same thing on any day. Load tests
draw stays from the population with `Dataset.draw_stays`, whose venue numbers never collide across workers.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from simulators import clock
from simulators.data.formulas import POPULATION_FORMULAS
from simulators.data.persona_kit import Persona, PersonaKit
from simulators.data.personas import build_personas
from simulators.data.providers import DMTS, MODES_TRAITEMENT, seeded_faker
from simulators.data.tariffs import STAY_MIX, lines_for, make_stay, random_shape
from simulators.data.world import (ESTABLISHMENT_ROLES, POPULATION_ROLES, PeopleFactory, build_establishments,
                                   build_market)
from simulators.domain import (AmcContract, AmcOrganisation, Attestation, Beneficiary, Domaine, Establishment,
                               PrestationLine, Stay)
from simulators.domain.quotes import RightsStatus
from simulators.domain.rights import identify, rights_status
from simulators.domain.routing import AmcHost, Route, find_host, resolve

DEFAULT_SEED = 20261125
POPULATION_PREFIX = "C"  # contract ids of the drawn population; persona contracts start with "P"
MAX_WORKERS = 900  # worker indexes 000-899: venue numbers 99xxxxxxxx stay the personas'
MAX_DRAWS_PER_WORKER = 10_000_000
_ESTABLISHMENT_FOR = {Domaine.MCO: "chu", Domaine.SSR: "ch", Domaine.PSY: "epsm", Domaine.HAD: "had"}


class PersonaCatalogue(dict):
    """Personas by name, in catalogue order; a read-only dict."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("the persona catalogue is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self):
        return (PersonaCatalogue, (dict(self),))

    def __init__(self, personas: dict[str, Persona] | None = None) -> None:
        super().__init__(personas or {})


@dataclass(frozen=True, slots=True)
class DrawnStay:
    """One stay to send: who, with which attestation and contract, where, and the lines to price."""

    beneficiary: Beneficiary
    organisation: AmcOrganisation
    attestation: Attestation
    contract: AmcContract
    establishment: Establishment
    stay: Stay
    lines: tuple[PrestationLine, ...]


@dataclass(frozen=True)
class Dataset:
    """Everything a session's simulators know, built from one seed.

    `beneficiaries` are all the people of the world (the hospital side); the AMCs know only those with a
    contract. `personas` maps stable names to the edge cases, in catalogue order.
    """

    seed: int
    organisations: tuple[AmcOrganisation, ...]
    hosts: tuple[AmcHost, ...]
    routes: tuple[Route, ...]
    establishments: tuple[Establishment, ...]
    beneficiaries: tuple[Beneficiary, ...]
    contracts: tuple[AmcContract, ...]
    personas: PersonaCatalogue
    reference_date: date  # persona stays are admitted on this date unless told otherwise

    def __hash__(self) -> int:  # cheap and consistent with the field-wise equality (lru_cache keys)
        return hash((self.seed, self.reference_date, len(self.beneficiaries), len(self.contracts)))

    # -- look-ups ---------------------------------------------------------------------------------------------
    def persona(self, name: str) -> Persona:
        try:
            return self.personas[name]
        except KeyError:
            raise KeyError(f"unknown persona {name!r}; known: {', '.join(self.personas)}") from None

    @cached_property
    def _organisations(self) -> dict[str, AmcOrganisation]:
        return {organisation.numero_amc: organisation for organisation in self.organisations}

    def organisation(self, numero_amc: str) -> AmcOrganisation | None:
        return self._organisations.get(numero_amc)

    def host(self, host_id: str) -> AmcHost | None:
        return find_host(self.hosts, host_id)

    def establishment(self, role: str) -> Establishment:
        """The establishment of a role: chu, ch, epsm, had, corsica."""
        return self.establishments[ESTABLISHMENT_ROLES.index(role)]

    def resolve(self, numero_amc: str, type_convention: str, critere: str) -> Route | str:
        return resolve(self.routes, numero_amc, type_convention, critere)

    @cached_property
    def _contracts_by_key(self) -> dict[tuple[str, str], tuple[AmcContract, ...]]:
        index: dict[tuple[str, str], list[AmcContract]] = {}
        for contract in self.contracts:
            index.setdefault((contract.nir, contract.attestation.numero_amc), []).append(contract)
        return {key: tuple(value) for key, value in index.items()}

    def identify(self, beneficiary: Beneficiary, numero_amc: str) -> AmcContract | str:
        """The AMC's contract for this beneficiary (NIR, birth date, rang), or the error key (rights.identify)."""
        candidates = self._contracts_by_key.get((str(beneficiary.nir), numero_amc), ())
        return identify(candidates, beneficiary, numero_amc)

    @cached_property
    def _beneficiaries(self) -> dict[tuple[str, str, int], Beneficiary]:
        return {(str(b.nir), str(b.birth_date), b.rang_naissance): b for b in self.beneficiaries}

    def beneficiary_of(self, contract: AmcContract) -> Beneficiary:
        return self._beneficiaries[(contract.nir, str(contract.birth_date), contract.rang_naissance)]

    @cached_property
    def population_contracts(self) -> tuple[AmcContract, ...]:
        """Contracts of the ordinary population (no persona, no fault AMC): what load tests draw from."""
        return tuple(c for c in self.contracts if c.contract_id.startswith(POPULATION_PREFIX))

    def fingerprint(self) -> str:
        """SHA-256 of the dataset's full text: equal across processes for the same seed."""
        return hashlib.sha256(repr(self).encode()).hexdigest()

    # -- drawing stays ----------------------------------------------------------------------------------------
    def stay_for(self, contract: AmcContract, venue_number: str, seed: int = 0) -> DrawnStay:
        """A plausible stay for this contract's beneficiary, deterministic in (dataset, contract, venue, seed).

        The kind of stay follows the morning mix (STAY_MIX) among those the contract covers; admission falls
        within 30 days after the reference date.
        """
        rng = random.Random(f"stay:{self.seed}:{seed}:{contract.contract_id}:{venue_number}")
        kinds = [(d, t) for d, t, _ in STAY_MIX]
        weights = [w for _, _, w in STAY_MIX]
        admission = self.reference_date + timedelta(days=rng.randint(0, 30))
        for _ in range(20):
            domaine, stay_type = rng.choices(kinds, weights)[0]
            shape = random_shape(rng, domaine, stay_type)
            stay = make_stay(shape, venue_number=venue_number, admission=admission,
                             mode_traitement=MODES_TRAITEMENT[(domaine, stay_type)], dmt=rng.choice(DMTS[domaine]))
            if rights_status(contract, stay) is RightsStatus.OPEN:
                break
        lines = lines_for(stay, shape, rng)
        return DrawnStay(self.beneficiary_of(contract), self._organisations[contract.attestation.numero_amc],
                         contract.attestation, contract, self.establishment(_ESTABLISHMENT_FOR[stay.domaine]),
                         stay, lines)

    def draw_stays(self, seed: int, n: int, worker_index: int = 0, start: int = 0) -> tuple[DrawnStay, ...]:
        """Stays `start` .. `start + n - 1` of worker `worker_index` for a load run seeded `seed`.

        Venue numbers are `WWWIIIIIII` (worker on 3 digits, draw index on 7): distinct across workers and
        draws. Each worker walks its own shuffle of the population, so the first draws are distinct patients.
        """
        if not 0 <= worker_index < MAX_WORKERS:
            raise ValueError(f"worker_index must be within 0..{MAX_WORKERS - 1}, got {worker_index}")
        if n < 0 or start < 0 or start + n > MAX_DRAWS_PER_WORKER:
            raise ValueError(f"draws must stay within 0..{MAX_DRAWS_PER_WORKER - 1}, got start {start}, n {n}")
        population = self.population_contracts
        order = random.Random(f"order:{self.seed}:{seed}:{worker_index}").sample(population, len(population))
        return tuple(self.stay_for(order[index % len(order)], f"{worker_index:03d}{index:07d}", seed)
                     for index in range(start, start + n))


def _population(people: PeopleFactory, fake, size: int) -> tuple[list[Beneficiary], list[AmcContract]]:
    """Households of the population AMCs: an insured adult, sometimes children (twins now and then)."""
    formulas = [formula for formula, _ in POPULATION_FORMULAS]
    weights = [weight for _, weight in POPULATION_FORMULAS]
    beneficiaries: list[Beneficiary] = []
    contracts: list[AmcContract] = []
    while len(beneficiaries) < size:
        organisation = people.market.by_role[fake.random_element(POPULATION_ROLES)]
        formula = fake.random.choices(formulas, weights)[0]
        draw = fake.random.random()
        insured = people.insured(
            department=fake.department(corsica=True) if draw < 0.03 else None,
            abroad=0.03 <= draw < 0.08,
            lunar=fake.random_element(("day", "month", "impossible")) if 0.05 <= draw < 0.08 else None,
        )
        household = [insured]
        if fake.random.random() < 0.3:
            births = {insured.birth_date}
            while len(births) < 2 + fake.random_int(0, 2):  # 1 to 3 children, each birth date once
                births.add(fake.birth_date(people.reference, 0, 17))
            twins = fake.random.random() < 0.1
            for birth in sorted(births - {insured.birth_date}, key=str):
                household.append(people.dependant(insured, birth, 1))
                if twins:
                    household.append(people.dependant(insured, birth, 2))
                    twins = False
        adherent = fake.numero_adherent()
        for member in household[: size - len(beneficiaries)]:
            beneficiaries.append(member)
            contracts.append(people.contract(member, organisation, formula, numero_adherent=adherent,
                                             consumed_cents=fake.random_element((0, 0, 0, 5_000, 20_000))))
    return beneficiaries, contracts


def build_dataset(seed: int = DEFAULT_SEED, beneficiaries: int = 200,
                  reference_date: date | None = None) -> Dataset:
    """Build the dataset for `seed`: `beneficiaries` people in the drawn population, plus the personas', with
    dates relative to `reference_date` (the clock's today by default)."""
    if reference_date is None:
        reference_date = clock.today()
    if beneficiaries < 1:
        raise ValueError(f"beneficiaries must be ≥ 1, got {beneficiaries}")
    fake = seeded_faker(seed)
    market = build_market(fake, reference_date)
    establishments = build_establishments(fake)
    people = PeopleFactory(fake, market, reference_date, prefix=POPULATION_PREFIX)
    population, contracts = _population(people, fake, beneficiaries)
    persona_people = PeopleFactory(fake, market, reference_date, prefix="P", _bodies=people._bodies)
    kit = PersonaKit(fake, persona_people, market, establishments, reference_date)
    personas = build_personas(kit)
    persona_beneficiaries = [p.beneficiary for p in personas.values()] + kit.extra_beneficiaries
    persona_contracts = [p.contract for p in personas.values() if p.contract is not None] + kit.extra_contracts
    return Dataset(
        seed=seed,
        organisations=market.organisations,
        hosts=market.hosts,
        routes=market.routes,
        establishments=tuple(establishments[role] for role in ESTABLISHMENT_ROLES),
        beneficiaries=tuple(population + persona_beneficiaries),
        contracts=tuple(contracts + persona_contracts),
        personas=PersonaCatalogue(personas),
        reference_date=reference_date,
    )
