"""What the provider keeps: consents, notifications, debit and refund attempts, the session's profile.

Each record is written once (a revocation rewrites its consent) and all derived facts (status, totals, what a
debit would get today) are computed from the records at read time, so concurrent writers never overwrite each
other's facts. No record holds a full card number: a token, the 6/4 masked PAN and the expiry month.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any, Mapping, TypeVar

from simulators.domain.money import Cents

T = TypeVar("T")


def from_document(cls: type[T], body: Mapping[str, Any]) -> T:
    """Build a record from its stored document, ignoring keys a later version no longer has."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{key: value for key, value in body.items() if key in names})


def card_expired(expiry: str, today: date) -> bool:
    """A card is valid through the last day of its expiry month (YYMM, years 20YY)."""
    return (2000 + int(expiry[:2]), int(expiry[2:])) < (today.year, today.month)


@dataclass(frozen=True, slots=True)
class Profile:
    """The provider's rules for one test session (bench choices, no public DIAPASON figure exists)."""

    notification_lead_days: int = 3  # pilot practice: SMS about 3 days before the debit (domain notes §1.2)
    partial_debits: bool = False  # False: at most one captured debit per consent
    max_consent_days: int = 365  # how far after its registration a consent may expire

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Consent:
    id: str
    sequence: int
    token: str
    masked_pan: str
    card_expiry: str  # YYMM
    ceiling_cents: Cents
    expires_on: str  # ISO date, last day a debit is allowed
    finess: str
    venue: str
    patient_ref: str
    terminal_id: str | None
    created_on: str
    revoked_on: str | None = None
    revoke_reason: str | None = None

    def card_expired(self, today: date) -> bool:
        return card_expired(self.card_expiry, today)

    def expired(self, today: date) -> bool:
        return today > date.fromisoformat(self.expires_on)


@dataclass(frozen=True, slots=True)
class Notification:
    id: str
    sequence: int
    consent_id: str
    channel: str
    amount_cents: Cents
    invoice_ref: str | None
    notified_on: str
    earliest_debit_on: str
    patient_ref: str
    venue: str
    finess: str
    message: str


# Debit.status / Refund.status values
CAPTURED = "captured"
DECLINED = "declined"
FAILED = "failed"
REFUNDED = "refunded"


@dataclass(frozen=True, slots=True)
class Debit:
    id: str
    sequence: int
    consent_id: str
    status: str  # captured | declined | failed
    amount_cents: Cents
    currency: str
    invoice_ref: str
    notification_id: str | None
    response_code: str
    response_label: str
    authorisation_code: str | None
    acquirer_reference: str | None
    created_on: str
    blocks_consent: bool = False  # a hard decline: the card cannot be debited again


@dataclass(frozen=True, slots=True)
class Refund:
    id: str
    sequence: int
    debit_id: str
    consent_id: str
    status: str  # refunded | declined | failed
    amount_cents: Cents
    reason: str | None
    response_code: str
    response_label: str
    authorisation_code: str | None
    acquirer_reference: str | None
    created_on: str


def public(record: Any, *, hidden: tuple[str, ...] = ("sequence",)) -> dict[str, Any]:
    """A record as the API shows it (internal bookkeeping fields left out)."""
    return {key: value for key, value in asdict(record).items() if key not in hidden}
