"""How the acquirer picks DE39 for a card request: named rules, tried in order, the first opinion wins.

Rules see the PAN only in memory, for the time of one decision; nothing here is stored. Tables and the amount
limit come from `RuleSettings`, so a session or a scenario can swap them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Mapping

from simulators.acquirer import codes
from simulators.acquirer.cards import card_expired
from simulators.domain.money import Cents
from simulators.masking import luhn_valid

# Any BIN: the last four digits choose the answer (the digit before them is free to satisfy Luhn).
PAN_SUFFIX_CODES: dict[str, str] = {
    "0002": codes.DO_NOT_HONOUR,
    "0014": codes.INVALID_CARD,
    "0041": codes.LOST_CARD,
    "0043": codes.STOLEN_CARD,
    "0051": codes.INSUFFICIENT_FUNDS,
    "0054": codes.EXPIRED_CARD,
    "0055": codes.WRONG_PIN,
    "0059": codes.SUSPECTED_FRAUD,
    "0061": codes.AMOUNT_LIMIT_EXCEEDED,
    "0075": codes.PIN_TRIES_EXCEEDED,
    "0091": codes.ISSUER_UNAVAILABLE,
    "0096": codes.SYSTEM_MALFUNCTION,
}

# Published sandbox cards (domain notes §4, PayGreen), answered as their documentation says.
TEST_CARD_CODES: dict[str, str] = {
    "4970105191919435": codes.APPROVED,
    "4970105715165150": codes.EXPIRED_CARD,
    "4970109000034568": codes.LOST_CARD,
    "4970106155797460": codes.STOLEN_CARD,
    "5549650000000124": codes.SUSPECTED_FRAUD,
    "4111111111111111": codes.APPROVED,
}

DEFAULT_AMOUNT_LIMIT: Cents = 500_000  # 5 000.00 EUR per transaction


@dataclass(frozen=True, slots=True)
class RuleSettings:
    pan_suffixes: Mapping[str, str] = field(default_factory=lambda: dict(PAN_SUFFIX_CODES))
    test_cards: Mapping[str, str] = field(default_factory=lambda: dict(TEST_CARD_CODES))
    amount_limit: Cents = DEFAULT_AMOUNT_LIMIT
    order: tuple[str, ...] = ("card_number", "test_card", "pan_suffix", "card_expiry", "amount_limit")

    def __post_init__(self) -> None:
        unknown = [name for name in self.order if name not in RULES]
        if unknown:
            raise ValueError(f"RuleSettings.order: unknown rules {unknown}; valid: {', '.join(RULES)}")


@dataclass(frozen=True, slots=True)
class CardRequest:
    """What the rules look at for one 0100/0200. `expiry` is DE14 (YYMM) when the terminal sent it."""

    pan: str
    amount: Cents
    today: date
    expiry: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    code: str
    rule: str  # the rule that decided, "default" when none had an opinion


Rule = Callable[[CardRequest, RuleSettings], "str | None"]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn
    return register


@rule("card_number")
def _card_number(request: CardRequest, settings: RuleSettings) -> str | None:
    """14 for a PAN that is not 13-19 digits or fails Luhn."""
    pan = request.pan
    return None if 13 <= len(pan) <= 19 and luhn_valid(pan) else codes.INVALID_CARD


@rule("test_card")
def _test_card(request: CardRequest, settings: RuleSettings) -> str | None:
    return settings.test_cards.get(request.pan)


@rule("pan_suffix")
def _pan_suffix(request: CardRequest, settings: RuleSettings) -> str | None:
    return settings.pan_suffixes.get(request.pan[-4:])


@rule("card_expiry")
def _card_expiry(request: CardRequest, settings: RuleSettings) -> str | None:
    if request.expiry and card_expired(request.expiry, request.today):
        return codes.EXPIRED_CARD
    return None


@rule("amount_limit")
def _amount_limit(request: CardRequest, settings: RuleSettings) -> str | None:
    return codes.AMOUNT_LIMIT_EXCEEDED if request.amount > settings.amount_limit else None


def decide(request: CardRequest, settings: RuleSettings) -> Decision:
    for name in settings.order:
        code = RULES[name](request, settings)
        if code is not None:
            return Decision(code, name)
    return Decision(codes.APPROVED, "default")
