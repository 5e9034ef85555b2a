"""The seeded world the dataset and the personas share: AMCs with their hosts and routes, establishments, and a
factory of people and contracts that keeps NIRs unique and contract ids sequential.

Roles name what an AMC or establishment is for, so personas pick "the slow AMC" or "the HAD" by role, whatever
the seed made of their numbers and names.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from faker import Faker

from simulators.data.formulas import Formula
from simulators.domain import (AmcContract, AmcOrganisation, Attestation, Beneficiary, BirthDate, Contact,
                               Establishment)
from simulators.domain.routing import ACTIVE, NOT_IN_ROC, WILDCARD, AmcHost, Route

# AMCs whose members make up the drawn population (and load tests).
POPULATION_ROLES = ("direct-1", "direct-2", "direct-3", "operator-1", "operator-2", "operator-3")
OPERATOR_ROLES = ("operator-1", "operator-2", "operator-3")  # behind one operator host
LEGACY_ROLE = "legacy"  # served by a legacy operator host, moved to the main operator by the routing change
NOT_IN_ROC_ROLE = "not-in-roc"
# AMCs dedicated to one fault persona each: the simulator applies a persona's behaviours to its whole AMC.
FAULT_ROLES = ("slow", "down", "timeout", "malformed", "reset", "fault")
AMC_ROLES = POPULATION_ROLES + (LEGACY_ROLE, NOT_IN_ROC_ROLE) + FAULT_ROLES

ESTABLISHMENT_ROLES = ("chu", "ch", "epsm", "had", "corsica")

LEGACY_ROUTE_VALIDITY_DAYS = 1  # the route about to change: a GAP honouring valid_until asks again the next day


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@dataclass(frozen=True)
class Market:
    organisations: tuple[AmcOrganisation, ...]
    hosts: tuple[AmcHost, ...]
    routes: tuple[Route, ...]
    by_role: dict[str, AmcOrganisation]
    host_of_role: dict[str, str | None]  # role -> host id (None when not in ROC)
    routing_keys: dict[str, tuple[str, str]]  # numéro AMC -> (type de convention, critère) its attestations carry


def _contact(fake: Faker, name: str) -> Contact:
    return Contact(name=f"Service ROC {name}", phone=fake.phone_number(), email=f"roc@{slug(name)}.example")


def build_market(fake: Faker, reference: date) -> Market:
    """AMCs, the hosts that serve them and the annuaire's routes (see the role constants above)."""
    numbers: list[str] = []
    while len(numbers) < len(AMC_ROLES):
        numero = fake.numero_amc()
        if numero not in numbers:
            numbers.append(numero)
    main_operator = f"{fake.last_name()} Tiers Payant"
    legacy_operator = main_operator
    while slug(legacy_operator) == slug(main_operator):
        legacy_operator = f"{fake.last_name()} Gestion Santé"
    organisations: dict[str, AmcOrganisation] = {}
    for role, numero in zip(AMC_ROLES, numbers):
        name = fake.random_element((f"Mutuelle {fake.last_name()}", f"{fake.last_name()} Prévoyance",
                                    f"Mutuelle de {fake.city()}", f"Assurances {fake.last_name()} Santé"))
        operator = main_operator if role in OPERATOR_ROLES else legacy_operator if role == LEGACY_ROLE else None
        organisations[role] = AmcOrganisation(numero_amc=numero, name=name, contact=_contact(fake, name),
                                              in_roc=role != NOT_IN_ROC_ROLE, operator=operator)
    host_of_role: dict[str, str | None] = {}
    operator_of_host: dict[str, str] = {}
    for role, organisation in organisations.items():
        if not organisation.in_roc:
            host_of_role[role] = None
            continue
        if organisation.operator:
            host_id = slug(organisation.operator)
        else:  # an AMC running its own host
            host_id = f"{slug(organisation.name)}-{organisation.numero_amc[-4:]}"
            if host_id in operator_of_host:
                host_id = f"{slug(organisation.name)}-{organisation.numero_amc}"
        host_of_role[role] = host_id
        operator_of_host.setdefault(host_id, organisation.operator or organisation.name)
    hosts = tuple(
        AmcHost(host_id, operator, tuple(organisations[role].numero_amc
                                         for role, served_by in host_of_role.items() if served_by == host_id))
        for host_id, operator in operator_of_host.items()
    )
    routes: list[Route] = []
    keys: dict[str, tuple[str, str]] = {}
    for role, organisation in organisations.items():
        numero, host_id = organisation.numero_amc, host_of_role[role]
        until = (reference + timedelta(days=LEGACY_ROUTE_VALIDITY_DAYS) if role == LEGACY_ROLE
                 else date(reference.year + 1, 12, 31))
        type_convention, critere = fake.type_convention(), fake.critere_secondaire()
        keys[numero] = (type_convention, critere)
        if host_id is None:
            routes.append(Route(numero, WILDCARD, WILDCARD, None, NOT_IN_ROC, until))
            continue
        routes.append(Route(numero, type_convention, critere, host_id, ACTIVE, until))
        if role in OPERATOR_ROLES:  # operators route a whole convention, whatever the critère
            routes.append(Route(numero, type_convention, WILDCARD, host_id, ACTIVE, until))
    return Market(tuple(organisations.values()), hosts, tuple(routes), organisations, host_of_role, keys)


def build_establishments(fake: Faker) -> dict[str, Establishment]:
    """One establishment per role; FINESS juridique and géographique in the same department."""
    templates = {"chu": "Centre hospitalier universitaire de {}", "ch": "Centre hospitalier de {}",
                 "epsm": "Établissement public de santé mentale de {}", "had": "HAD {}",
                 "corsica": "Centre hospitalier de {}"}
    establishments: dict[str, Establishment] = {}
    used: set[str] = set()
    for role in ESTABLISHMENT_ROLES:
        department = fake.department(corsica=role == "corsica", mainland=role != "corsica")
        pair = []
        while len(pair) < 2:
            finess = fake.finess(department)
            if finess.value not in used:
                used.add(finess.value)
                pair.append(finess)
        establishments[role] = Establishment(finess_juridique=pair[0], finess_geographique=pair[1],
                                             name=templates[role].format(fake.city()))
    return establishments


@dataclass
class PeopleFactory:
    """Makes beneficiaries and their contracts; NIR bodies stay unique, contract ids are sequential."""

    fake: Faker
    market: Market
    reference: date
    prefix: str = "C"
    _bodies: set[str] = field(default_factory=set)
    _count: int = 0

    def insured(self, *, min_age: int = 20, max_age: int = 90, sex: int | None = None, department: str | None = None,
                abroad: bool = False, lunar: str | None = None) -> Beneficiary:
        """An insured person (ouvrant droit) with a NIR of their own."""
        sex = sex or self.fake.random_int(1, 2)
        birth = self.fake.birth_date(self.reference, min_age, max_age, lunar)
        while True:
            nir = self.fake.nir(birth, sex=sex, department=department, abroad=abroad)
            if nir.body not in self._bodies:
                self._bodies.add(nir.body)
                break
        first = self.fake.first_name_male() if sex == 1 else self.fake.first_name_female()
        return Beneficiary(nir=nir, birth_date=birth, rang_naissance=1, last_name=self.fake.last_name().upper(),
                           first_name=first)

    def dependant(self, insured: Beneficiary, birth: BirthDate | None = None, rang: int = 1) -> Beneficiary:
        """A child under the insured's NIR (ayant droit), told apart by birth date and rang de naissance."""
        birth = birth or self.fake.birth_date(self.reference, 0, 17)
        first = self.fake.first_name_male() if self.fake.random_int(1, 2) == 1 else self.fake.first_name_female()
        return Beneficiary(nir=insured.nir, birth_date=birth, rang_naissance=rang, last_name=insured.last_name,
                           first_name=first, insured_nir=insured.nir)

    def default_validity(self) -> tuple[date, date]:
        """Renewed each year since a past 1st of January, running to the end of next year."""
        return date(self.reference.year - self.fake.random_int(0, 5), 1, 1), date(self.reference.year + 1, 12, 31)

    def attestation(self, organisation: AmcOrganisation, numero_adherent: str, valid_from: date, valid_to: date,
                    responsable: bool = True) -> Attestation:
        type_convention, critere = self.market.routing_keys[organisation.numero_amc]
        return Attestation(organisation.numero_amc, type_convention, critere, numero_adherent,
                           valid_from, valid_to, responsable)

    def contract(self, beneficiary: Beneficiary, organisation: AmcOrganisation, formula: Formula, *,
                 numero_adherent: str | None = None, validity: tuple[date, date] | None = None,
                 **changes) -> AmcContract:
        """The AMC's record for `beneficiary`; `changes` override any AmcContract field (suspended, rules...)."""
        self._count += 1
        valid_from, valid_to = validity or self.default_validity()
        printed_from = max(valid_from, date(min(self.reference.year, valid_to.year), 1, 1))
        attestation = self.attestation(organisation, numero_adherent or self.fake.numero_adherent(),
                                       printed_from, valid_to)
        contract = AmcContract(contract_id=f"{self.prefix}{self._count:05d}-{formula.code}",
                               nir=str(beneficiary.nir), rang_naissance=beneficiary.rang_naissance,
                               attestation=attestation, valid_from=valid_from, valid_to=valid_to,
                               rules=formula.rules, birth_date=beneficiary.birth_date)
        return replace(contract, **changes) if changes else contract
