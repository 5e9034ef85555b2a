"""Pure, frozen domain of the bench: identifiers, people, contracts, stays, money and pricing.

Nothing here does I/O or knows about XML: message profiles translate to and from these types.
"""
from simulators.domain.money import Cents, format_cents, parse_amount
from simulators.domain.identifiers import Finess, InvalidIdentifier, Nir
from simulators.domain.people import Beneficiary, BirthDate
from simulators.domain.contracts import (
    AmcContract,
    AmcOrganisation,
    Attestation,
    Contact,
    CoverageRule,
    PrestationFamily,
)
from simulators.domain.stays import Domaine, Establishment, PrestationLine, Stay, StayType

__all__ = [
    "AmcContract", "AmcOrganisation", "Attestation", "Beneficiary", "BirthDate", "Cents", "Contact",
    "CoverageRule", "Domaine", "Establishment", "Finess", "InvalidIdentifier", "Nir", "PrestationFamily",
    "PrestationLine", "Stay", "StayType", "format_cents", "parse_amount",
]
