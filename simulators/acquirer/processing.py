"""What each message kind does to the books: one handler per kind, registered by name, no I/O.

A handler gets a validated request and the `Ledger`, books what happened and returns the DE39 with a short
reason. Every card, completion and reversal message is booked (refusals as `declined`), so the state shows
each hold, capture and reversal with the RRN the acquirer answered.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Mapping

from simulators.acquirer import codes, state as st
from simulators.acquirer.cards import CardRef, card_ref
from simulators.acquirer.profile import (AUTHORISATION, COMPLETION, FINANCIAL, NETWORK, NETWORK_CODES, REVERSAL,
                                         MessageKind, OriginalData)
from simulators.acquirer.rules import CardRequest, RuleSettings, decide
from simulators.acquirer.state import AcquirerState, Transaction


@dataclass(frozen=True, slots=True)
class Request:
    """A decoded, format-valid request. `fields` holds the PAN in memory only, for the rules."""

    session: str
    kind: MessageKind
    fields: Mapping[str, str]
    day: date
    forced_code: str | None = None  # a `decline:<code>` behaviour for this message

    @property
    def amount(self) -> int:
        return int(self.fields["4"])


@dataclass(frozen=True, slots=True)
class Outcome:
    code: str
    reason: str  # approved, rule:<name>, original_not_found, above_hold, already_reversed, ...
    transaction: Transaction | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class Ledger:
    """Books transactions in the state: RRNs and authorisation ids from the state's sequence."""

    def __init__(self, state: AcquirerState, rules: RuleSettings, pan_key: bytes) -> None:
        self.state = state
        self.rules = rules
        self.pan_key = pan_key

    def card(self, request: Request) -> CardRef:
        return card_ref(request.fields["2"], self.pan_key)

    def original(self, request: Request) -> Transaction | None:
        key = OriginalData.parse(request.fields["90"]).key
        return self.state.find_original(request.session, request.fields["41"], key)

    def book(self, request: Request, kind: str, code: str, status: str, *, card: CardRef | None = None,
             hold: int = 0, captured: int = 0, parent: str = "", authorises: bool = False) -> Transaction:
        sequence = self.state.next_sequence(request.session)
        approved = code == codes.APPROVED
        transaction = Transaction(
            id=f"{sequence:012d}",
            session=request.session,
            kind=kind,
            mti=request.fields["t"],
            stan=request.fields["11"],
            terminal_id=request.fields["41"],
            merchant_id=request.fields.get("42", ""),
            original_key=OriginalData.of_request(request.fields).key,
            day=request.day.isoformat(),
            amount=request.amount,
            currency=request.fields.get("49", ""),
            response_code=code,
            status=status if approved else st.DECLINED,
            auth_id=f"{sequence * 7919 % 1_000_000:06d}" if approved and authorises else "",
            card_token=card.token if card else "",
            masked_pan=card.masked if card else "",
            hold=hold if approved else 0,
            captured=captured if approved else 0,
            parent=parent,
        )
        self.state.put(transaction)
        return transaction

    def update(self, transaction: Transaction, **changes: Any) -> None:
        self.state.put(dataclasses.replace(transaction, **changes))


Handler = Callable[[Request, Ledger], Outcome]
HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn
    return register


def _card_decision(request: Request, ledger: Ledger) -> tuple[str, str]:
    if request.forced_code:
        return request.forced_code, "behaviour"
    card_request = CardRequest(request.fields["2"], request.amount, request.day, request.fields.get("14"))
    decision = decide(card_request, ledger.rules)
    return decision.code, "approved" if decision.code == codes.APPROVED else f"rule:{decision.rule}"


@handles(AUTHORISATION)
def authorise(request: Request, ledger: Ledger) -> Outcome:
    """0100: a hold for DE4, or a card verification when DE4 is zero (DIAPASON consent registration)."""
    code, reason = _card_decision(request, ledger)
    amount = request.amount
    kind, status = ("verification", st.VERIFIED) if amount == 0 else ("authorisation", st.AUTHORISED)
    booked = ledger.book(request, kind, code, status, card=ledger.card(request), hold=amount, authorises=True)
    return Outcome(code, reason, booked)


@handles(FINANCIAL)
def purchase(request: Request, ledger: Ledger) -> Outcome:
    """0200: money moves at once; a zero amount is refused (verification is a 0100)."""
    code, reason = _card_decision(request, ledger)
    if request.amount == 0 and not request.forced_code:
        code, reason = codes.INVALID_AMOUNT, "zero_amount"
    booked = ledger.book(request, FINANCIAL, code, st.CAPTURED, card=ledger.card(request),
                         captured=request.amount, authorises=True)
    return Outcome(code, reason, booked)


def _reference(original: Transaction | None) -> tuple[str, CardRef | None]:
    """The original's id and card, carried onto the completion or reversal that acts on it."""
    if original is None:
        return "", None
    return original.id, CardRef(original.card_token, original.masked_pan)


@handles(COMPLETION)
def complete(request: Request, ledger: Ledger) -> Outcome:
    """0220: settle an open hold for at most its amount, once; a completion of zero releases it."""
    original, amount = ledger.original(request), request.amount
    if request.forced_code:
        code, reason = request.forced_code, "behaviour"
    elif original is None:
        code, reason = codes.ORIGINAL_NOT_FOUND, "original_not_found"
    elif original.status in (st.COMPLETED, st.RELEASED):
        code, reason = codes.INVALID_TRANSACTION, "already_completed"
    elif original.status != st.AUTHORISED:
        code, reason = codes.INVALID_TRANSACTION, f"original_{original.status}"
    elif amount > original.hold:
        code, reason = codes.INVALID_AMOUNT, "above_hold"
    else:
        code, reason = codes.APPROVED, "approved" if amount else "hold_released"
    parent, card = _reference(original)
    booked = ledger.book(request, COMPLETION, code, st.CAPTURED, card=card, captured=amount, parent=parent)
    if original is not None and code == codes.APPROVED:
        ledger.update(original, status=st.COMPLETED if amount else st.RELEASED, hold=0)
    return Outcome(code, reason, booked, {"original": parent})


_NOTHING_LEFT = {st.REVERSED: "already_reversed", st.DECLINED: "nothing_to_reverse", st.RELEASED: "nothing_to_reverse"}


@handles(REVERSAL)
def reverse(request: Request, ledger: Ledger) -> Outcome:
    """0400/0420: undo the original named by DE90 (hold released, capture returned); repeats move nothing."""
    original, amount = ledger.original(request), request.amount
    applied = False
    if request.forced_code:
        code, reason = request.forced_code, "behaviour"
    elif original is None:
        code, reason = codes.ORIGINAL_NOT_FOUND, "original_not_found"
    elif amount != original.amount:
        code, reason = codes.INVALID_AMOUNT, "amount_differs_from_original"
    elif original.kind == REVERSAL:
        code, reason = codes.INVALID_TRANSACTION, "original_is_a_reversal"
    elif original.status == st.COMPLETED:
        code, reason = codes.INVALID_TRANSACTION, "original_completed_reverse_the_completion"
    elif original.status in _NOTHING_LEFT:
        code, reason = codes.APPROVED, _NOTHING_LEFT[original.status]
    else:
        code, reason, applied = codes.APPROVED, "approved", True
    parent, card = _reference(original)
    booked = ledger.book(request, REVERSAL, code, st.APPLIED if applied else st.NO_EFFECT, card=card, parent=parent)
    if original is not None and applied:
        ledger.update(original, status=st.REVERSED, hold=0, captured=0)
        settled = ledger.state.get(request.session, original.parent) if original.kind == COMPLETION else None
        if settled is not None:
            ledger.update(settled, status=st.RELEASED)
    return Outcome(code, reason, booked, {"original": parent})


@handles(NETWORK)
def network(request: Request, ledger: Ledger) -> Outcome:
    """0800: echo test, sign-on, sign-off (DE70 301/001/002); other codes are invalid transactions."""
    action = NETWORK_CODES.get(request.fields["70"])
    if action is None:
        return Outcome(codes.INVALID_TRANSACTION, "unknown_network_code")
    return Outcome(codes.APPROVED, action, detail={"network": action})
