"""How the provider moves money: the `Debitor` interface, what each answer code does to a consent, and the
in-process `SimulatedDebitor` used when no acquirer is configured.

A debit is a merchant-initiated card-on-file payment (domain notes §1.3, §3.4): the provider, which holds the
card behind its token, asks the acquirer; the GAP never sees the card. Answer codes are ISO 8583 DE39.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Mapping, Protocol

from simulators.acquirer import codes
from simulators.acquirer.rules import DEFAULT_AMOUNT_LIMIT, PAN_SUFFIX_CODES
from simulators.domain.money import Cents

APPROVED = codes.APPROVED
NO_ANSWER = "XX"  # no DE39 came back (timeout, connection refused): a technical failure

# Outcome classes of an answer code.
APPROVAL = "approved"
SOFT_DECLINE = "declined"  # the card's bank said no this time; the consent stays usable
HARD_DECLINE = "blocked"  # the card cannot be used again (lost, stolen, expired...): the consent is blocked
TECHNICAL = "failed"  # nobody decided (switch down, timeout): no money moved, the consent stays usable

# The acquirer's labels, plus the codes it never sends but a real one may.
LABELS: dict[str, str] = {
    **codes.LABELS, "04": "pick up card", "07": "pick up card, special condition", "15": "unknown issuer",
    "33": "expired card", "34": "suspected fraud", "57": "not permitted to cardholder", "62": "restricted card",
    "65": "exceeds frequency limit", "68": "response received too late", "90": "system temporarily down",
    "97": "watchdog timeout", "98": "server unavailable", NO_ANSWER: "no answer from the acquirer",
}

# Declines after which the same card must not be debited again (bench choice from scheme practice [I]).
_HARD = frozenset({"04", "07", "14", "15", "33", "34", "41", "43", "54", "57", "59", "62"})
_TECHNICAL = frozenset({"68", "90", "91", "94", "96", "97", "98", NO_ANSWER})


def outcome_of(code: str) -> str:
    """approved, declined (consent usable), blocked (consent unusable) or failed (technical)."""
    if code == APPROVED:
        return APPROVAL
    if code in _TECHNICAL:
        return TECHNICAL
    return HARD_DECLINE if code in _HARD else SOFT_DECLINE


def label_of(code: str) -> str:
    return LABELS.get(code, "declined")


@dataclass(frozen=True, slots=True)
class CardOnFile:
    """What the provider knows of a card: the terminal's token, the masked PAN and the expiry."""

    token: str
    masked_pan: str
    expiry: str  # YYMM


@dataclass(frozen=True, slots=True)
class DebitOrder:
    session: str
    reference: str  # the provider's debit id: unique, quoted back by the acquirer's journal
    card: CardOnFile
    amount_cents: Cents
    merchant: str  # the establishment's FINESS
    currency: str = "978"


@dataclass(frozen=True, slots=True)
class RefundOrder:
    session: str
    reference: str  # the provider's refund id
    original_reference: str  # the debit id
    original_acquirer_reference: str | None
    card: CardOnFile
    amount_cents: Cents
    merchant: str
    currency: str = "978"


@dataclass(frozen=True, slots=True)
class DebitResult:
    response_code: str
    authorisation_code: str | None = None
    acquirer_reference: str | None = None
    detail: str = ""

    @property
    def outcome(self) -> str:
        return outcome_of(self.response_code)


class Debitor(Protocol):
    """Moves money for the provider. Implementations never raise for a decline or a network failure: they
    answer a `DebitResult` (NO_ANSWER when nothing came back, after reversing whatever may have been booked)."""

    def debit(self, order: DebitOrder) -> DebitResult: ...

    def refund(self, order: RefundOrder) -> DebitResult: ...


def _digits(seed: str, count: int) -> str:
    return str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[-count:].rjust(count, "0")


class SimulatedDebitor:
    """An in-process acquirer for the provider alone, with the bench acquirer's conventions: the card's last
    four digits choose the answer (0051 -> 51...), amounts above `amount_limit` get 61; refunds are approved."""

    def __init__(self, suffix_codes: Mapping[str, str] | None = None, *,
                 amount_limit: Cents = DEFAULT_AMOUNT_LIMIT) -> None:
        self.suffix_codes = dict(PAN_SUFFIX_CODES if suffix_codes is None else suffix_codes)
        self.amount_limit = amount_limit

    def _approved(self, reference: str) -> DebitResult:
        return DebitResult(APPROVED, authorisation_code=_digits("auth:" + reference, 6),
                           acquirer_reference=_digits("rrn:" + reference, 12), detail="simulated acquirer")

    def debit(self, order: DebitOrder) -> DebitResult:
        code = self.suffix_codes.get(order.card.masked_pan[-4:])
        if code is None and order.amount_cents > self.amount_limit:
            code = "61"
        if code and code != APPROVED:
            return DebitResult(code, detail=f"simulated acquirer: {label_of(code)}")
        return self._approved(order.reference)

    def refund(self, order: RefundOrder) -> DebitResult:
        return self._approved(order.reference)
