"""The Persona record and the kit persona builders use (see persona_catalogue.py for the personas themselves)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from faker import Faker

from simulators.data.formulas import CONFORT, Formula
from simulators.data.tariffs import StayShape, lines_for, make_stay
from simulators.data.world import Market, PeopleFactory
from simulators.domain import (AmcContract, AmcOrganisation, Attestation, Beneficiary, Establishment,
                               PrestationLine, Stay, format_cents)
from simulators.domain.pricing import quote
from simulators.domain.routing import RoutingChange


@dataclass(frozen=True, slots=True)
class Persona:
    """A named edge case: who comes to the desk, with which attestation, for which stay, and what should happen.

    `attestation` is what the GAP is handed (an unknown beneficiary still has one); `contract` is the AMC's
    record (None when the AMC does not know them). `behaviours` are the simulator's behaviour names applied to
    this persona's AMC. `expected` says in a line what a conformant GAP sees. `routing_change`, when set, is
    the change a scenario applies mid-way (routing.apply_change).
    """

    name: str
    title: str
    description: str
    beneficiary: Beneficiary
    organisation: AmcOrganisation
    attestation: Attestation
    contract: AmcContract | None
    establishment: Establishment
    stay: Stay
    lines: tuple[PrestationLine, ...]
    behaviours: tuple[str, ...]
    expected: str
    routing_change: RoutingChange | None = None


@dataclass
class PersonaKit:
    """What a persona builder gets: the seeded world and helpers that keep ids unique and dates relative."""

    fake: Faker
    people: PeopleFactory
    market: Market
    establishments: dict[str, Establishment]
    reference: date
    extra_beneficiaries: list[Beneficiary] = field(default_factory=list)
    extra_contracts: list[AmcContract] = field(default_factory=list)
    _venues: int = 0

    def amc(self, role: str) -> AmcOrganisation:
        return self.market.by_role[role]

    def patient(self, role: str = "direct-1", formula: Formula = CONFORT, *,
                person: Beneficiary | None = None, **contract_changes) -> tuple[Beneficiary, AmcOrganisation,
                                                                                 AmcContract]:
        """A beneficiary (a fresh adult unless given) with a contract at the AMC of `role`."""
        beneficiary = person or self.people.insured()
        organisation = self.amc(role)
        return beneficiary, organisation, self.people.contract(beneficiary, organisation, formula,
                                                               **contract_changes)

    def stay(self, shape: StayShape, establishment: str = "chu", admission: date | None = None,
             dmt: str | None = None) -> tuple[Establishment, Stay, tuple[PrestationLine, ...]]:
        """A stay at the establishment of that role, admitted on the reference date unless told, with its lines."""
        self._venues += 1
        stay = make_stay(shape, venue_number=f"99{self._venues:08d}", admission=admission or self.reference,
                         mode_traitement=self.fake.mode_traitement(shape.domaine, shape.stay_type),
                         dmt=dmt or self.fake.dmt(shape.domaine))
        return self.establishments[establishment], stay, lines_for(stay, shape, self.fake.random)


PersonaBuilder = Callable[[PersonaKit], Persona]
REGISTRY: dict[str, PersonaBuilder] = {}


def persona(name: str) -> Callable[[PersonaBuilder], PersonaBuilder]:
    """Register a builder under a stable persona name (registration order is the catalogue's order)."""
    def register(builder: PersonaBuilder) -> PersonaBuilder:
        if name in REGISTRY:
            raise ValueError(f"persona {name!r} registered twice")
        REGISTRY[name] = builder
        return builder
    return register


def amounts(contract: AmcContract | None, stay: Stay, lines: tuple[PrestationLine, ...]) -> str:
    """The SIM/CLC totals a conformant exchange shows, for `expected` texts."""
    priced = quote(contract, stay, lines)
    return (f"total {format_cents(priced.total_cents)}, AMO {format_cents(priced.amo_cents)}, "
            f"AMC {format_cents(priced.amc_cents)}, patient {format_cents(priced.patient_cents)}")
