"""The ROC messages as typed, frozen values: what the codecs turn into profile XML and back.

Parts of messages (beneficiary, attestation, stay, lines, coverage, quote) are the domain types themselves;
only what exists nowhere else (header, answers' own fields) is defined here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from simulators.domain.contracts import Attestation, Contact
from simulators.domain.people import Beneficiary
from simulators.domain.quotes import Coverage, Quote
from simulators.domain.stays import PrestationLine, Stay
from simulators.profiles.errors import CatalogueError
from simulators.soap import SoapVersion


class CancelStatus(str, Enum):
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Header:
    """Common header: the exchange id is unique per request and echoed by the answer."""

    exchange_id: str
    timestamp: datetime
    finess_juridique: str
    finess_geographique: str
    software: str
    software_version: str
    profile: str


@dataclass(frozen=True, slots=True)
class AnnuaireRequest:
    header: Header
    numero_amc: str
    type_convention: str
    critere_secondaire: str


@dataclass(frozen=True, slots=True)
class AnnuaireAnswer:
    """`endpoints` maps a service id of the profile ("IDB", "SIM", "CLC", "ANN") to its URL."""

    header: Header
    numero_amc: str
    operator: str
    endpoints: dict[str, str] = field(hash=False)
    valid_until: date


@dataclass(frozen=True, slots=True)
class IdbRequest:
    header: Header
    beneficiary: Beneficiary
    attestation: Attestation
    stay: Stay


@dataclass(frozen=True, slots=True)
class IdbAnswer:
    header: Header
    idb_reference: str
    coverage: Coverage
    consignes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PricingRequest:
    """What SIM and CLC requests share: SIM and CLC must give the same amounts for the same input."""

    header: Header
    idb_reference: str
    beneficiary: Beneficiary
    attestation: Attestation
    stay: Stay
    lines: tuple[PrestationLine, ...]


@dataclass(frozen=True, slots=True)
class SimRequest(PricingRequest):
    """Simulation: the AMC share and the reste à charge, without commitment."""


@dataclass(frozen=True, slots=True)
class SimAnswer:
    header: Header
    quote: Quote


@dataclass(frozen=True, slots=True)
class ClcRequest(PricingRequest):
    """Calcul: the same pricing, with a payment commitment in the answer."""


@dataclass(frozen=True, slots=True)
class ClcAnswer:
    header: Header
    quote: Quote
    commitment_number: str
    valid_from: date
    valid_to: date


@dataclass(frozen=True, slots=True)
class CancelRequest:
    header: Header
    commitment_number: str
    reason: str


@dataclass(frozen=True, slots=True)
class CancelAnswer:
    header: Header
    commitment_number: str
    status: CancelStatus = CancelStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class RocFault:
    """A SOAP fault carrying <Erreur> (no contact) or <Erreur2> (with the AMC contact)."""

    version: SoapVersion
    error: CatalogueError
    contact: Contact | None = None
    detail: str | None = None
    schema_path: str | None = None


def encode(message: "RocMessage", profile=None):
    """Shortcut to simulators.roc.codec.encode (the profile element of `message`)."""
    from simulators.roc.codec import encode as _encode

    return _encode(message, profile)


def decode(element, profile=None) -> "RocMessage":
    """Shortcut to simulators.roc.codec.decode (the message an element holds, or DecodeError)."""
    from simulators.roc.codec import decode as _decode

    return _decode(element, profile)


RocRequest = AnnuaireRequest | IdbRequest | SimRequest | ClcRequest | CancelRequest
RocAnswer = AnnuaireAnswer | IdbAnswer | SimAnswer | ClcAnswer | CancelAnswer
RocMessage = RocRequest | RocAnswer | RocFault
