"""The terminal's card side, shared by both protocols: a request in, the scripted outcome out.

Protocol cores translate their frames into a `PaymentRequest` and the `PaymentResult` back into their own
codes; the engine decides what happened at the card reader and never sees or returns a full card number.
"""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, replace
from datetime import date
from typing import Callable

from simulators import clock
from hardware_emulator.cards import SyntheticCards
from hardware_emulator.outcomes import OutcomeSpec, outcome
from hardware_emulator.script import TerminalScript

DEBIT, CREDIT, REFUND, CANCELLATION, AUTO, CONSENT = "debit", "credit", "refund", "cancellation", "auto", "consent"
EUR = "978"


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    pos: str
    amount_cents: int
    currency: str  # ISO 4217 numeric
    action: str | None  # DEBIT, CREDIT, ... or None when the protocol's code is unknown


@dataclass(frozen=True, slots=True)
class PaymentResult:
    outcome: str
    approved: bool
    transaction_id: str  # 10 digits, unique per terminal
    delay: float  # seconds the cardholder took
    masked_pan: str | None = None
    expiry: str | None = None  # YYMM
    token: str | None = None  # consent only
    authorisation: str | None = None
    read_mode: str = "0"
    response_code: str = "  "
    request: PaymentRequest | None = None

    @property
    def spec(self) -> OutcomeSpec:
        return outcome(self.outcome)

    def journal_meta(self) -> dict[str, object]:
        """What the journal keeps of a transaction (masked PAN, token, expiry: nothing sensitive)."""
        meta: dict[str, object] = {"result": self.outcome, "approved": self.approved,
                                   "transaction_id": self.transaction_id, "masked_pan": self.masked_pan,
                                   "expiry": self.expiry, "token": self.token, "authorisation": self.authorisation}
        if self.request is not None:
            meta.update(action=self.request.action, amount_cents=self.request.amount_cents,
                        currency=self.request.currency, pos=self.request.pos)
        return {k: v for k, v in meta.items() if v is not None}


class PaymentEngine:
    """One per terminal: its script, its card range, its transaction counter, its last result."""

    def __init__(self, script: TerminalScript | None = None, cards: SyntheticCards | None = None, *,
                 currencies: tuple[str, ...] = (EUR,), today: Callable[[], date] = clock.today) -> None:
        self.script = script or TerminalScript()
        self.cards = cards or SyntheticCards()
        self._currencies = currencies
        self._today = today
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self.last_result: PaymentResult | None = None

    def process(self, request: PaymentRequest) -> PaymentResult:
        with self._lock:
            result = self._decide(request)
            self.last_result = result
            return result

    def renumber(self, result: PaymentResult) -> PaymentResult:
        """The same result under the next transaction number (a protocol may refuse a number, see Concert)."""
        with self._lock:
            renumbered = replace(result, transaction_id=self._next_id())
            if self.last_result is result:
                self.last_result = renumbered
            return renumbered

    def refuse(self, request: PaymentRequest, outcome_name: str) -> PaymentResult:
        """A refusal the protocol decided before the card reader (e.g. a consent asked without room for a token)."""
        with self._lock:
            return self._without_card(request, outcome(outcome_name))

    def _decide(self, request: PaymentRequest) -> PaymentResult:
        if request.currency not in self._currencies:
            return self._without_card(request, outcome("currency_not_supported"))
        if request.action is None:
            return self._without_card(request, outcome("unknown_action"))
        scripted = self.script.next_outcome(request.amount_cents)
        spec = outcome(scripted.name)
        result = self._without_card(request, spec)
        result = replace(result, delay=scripted.delay)
        if not spec.card_read:
            return result
        card = self.cards.draw(self._today(), expired=spec.name == "expired_card")
        return replace(
            result, masked_pan=card.masked_pan, expiry=card.expiry,
            token=card.token if spec.approved and request.action == CONSENT else None,
            authorisation=self.cards.authorisation_number() if spec.approved else None,
        )

    def _without_card(self, request: PaymentRequest, spec: OutcomeSpec) -> PaymentResult:
        return PaymentResult(spec.name, spec.approved, self._next_id(), 0.0, read_mode=spec.read_mode,
                             response_code=spec.response_code, request=request)

    def _next_id(self) -> str:
        return f"{next(self._numbers):010d}"
