"""AMC organisations, attestations and contracts with their coverage rules."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from simulators.domain.money import Cents
from simulators.domain.people import BirthDate


class PrestationFamily(str, Enum):
    """Families of billed prestations that coverage rules target."""

    FORFAIT_JOURNALIER = "FJ"
    CHAMBRE_PARTICULIERE = "CP"
    TICKET_MODERATEUR = "TM"
    GHS = "GHS"
    SUPPLEMENT = "SUP"


@dataclass(frozen=True, slots=True)
class Contact:
    """Who a hospital calls at the AMC (carried in Erreur2)."""

    name: str
    phone: str
    email: str


@dataclass(frozen=True, slots=True)
class AmcOrganisation:
    """A complementary insurer; `operator` names the delegated operator that hosts its services, if any."""

    numero_amc: str
    name: str
    contact: Contact
    in_roc: bool = True
    operator: str | None = None


@dataclass(frozen=True, slots=True)
class Attestation:
    """The standard block of the tiers-payant attestation (also its DataMatrix)."""

    numero_amc: str
    type_convention: str
    critere_secondaire: str
    numero_adherent: str
    valid_from: date
    valid_to: date
    responsable: bool = True


@dataclass(frozen=True, slots=True)
class CoverageRule:
    """What the AMC pays for one prestation family in a context.

    `domaine`, `mode_traitement` and `dmt` narrow the context; None matches any value.
    `rate_pct` is a percentage of the base de remboursement (e.g. 100 → the whole TM, 150 → 150 % BR);
    `flat_cents` is an amount per unit (e.g. per day of chambre particulière); `ceiling_cents` caps the
    AMC share per stay for this family.
    """

    family: PrestationFamily
    domaine: str | None = None
    mode_traitement: str | None = None
    dmt: str | None = None
    rate_pct: int | None = None
    flat_cents: Cents | None = None
    ceiling_cents: Cents | None = None


@dataclass(frozen=True, slots=True)
class AmcContract:
    """A beneficiary's contract with an AMC: identifiers of the attestation, validity, rules.

    `consumed_cents` is what was already paid against the rules' ceilings before the stay.
    `birth_date` is the AMC's record of the beneficiary's birth date (None: the AMC does not check it);
    with `nir` and `rang_naissance` it identifies the beneficiary (twins share NIR and birth date).
    """

    contract_id: str
    nir: str  # NIR with key, as a string (15 characters)
    rang_naissance: int
    attestation: Attestation
    valid_from: date
    valid_to: date
    rules: tuple[CoverageRule, ...] = field(default_factory=tuple)
    suspended: bool = False
    consumed_cents: Cents = 0
    birth_date: BirthDate | None = None
