"""Response-code rules and the card helpers they rely on."""
from __future__ import annotations

from datetime import date

import pytest

from simulators.acquirer.cards import card_expired, card_ref, sandbox_pan
from simulators.acquirer.rules import PAN_SUFFIX_CODES, CardRequest, Decision, RuleSettings, decide
from simulators.masking import find_pans, luhn_valid

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize("suffix", sorted(PAN_SUFFIX_CODES))
def test_every_suffix_rule(suffix):
    pan = sandbox_pan(suffix)
    assert luhn_valid(pan) and pan.endswith(suffix) and pan.startswith("497010")
    assert decide(CardRequest(pan, 100, TODAY), RuleSettings()) == Decision(PAN_SUFFIX_CODES[suffix], "pan_suffix")


def test_rule_order_and_defaults():
    settings = RuleSettings()
    assert decide(CardRequest(sandbox_pan("1234"), 100, TODAY), settings) == Decision("00", "default")
    assert decide(CardRequest(sandbox_pan("1234"), 100, TODAY, "2602"), settings) == Decision("54", "card_expiry")
    assert decide(CardRequest(sandbox_pan("1234"), 600_000, TODAY), settings) == Decision("61", "amount_limit")
    assert decide(CardRequest("1234", 100, TODAY), settings) == Decision("14", "card_number")
    custom = RuleSettings(amount_limit=1_000, pan_suffixes={"1234": "05"})
    assert decide(CardRequest(sandbox_pan("1234"), 100, TODAY), custom) == Decision("05", "pan_suffix")


def test_unknown_rule_in_settings_is_refused():
    with pytest.raises(ValueError, match=r"RuleSettings.order: unknown rules \['bin_range'\]"):
        RuleSettings(order=("card_number", "bin_range"))


def test_card_expiry_lasts_through_its_month():
    assert not card_expired("2603", TODAY) and not card_expired("2603", date(2026, 3, 31))
    assert card_expired("2602", TODAY)


def test_card_token_is_stable_keyed_and_never_looks_like_a_pan():
    pan = sandbox_pan("0002")
    ref = card_ref(pan, b"key")
    assert ref == card_ref(pan, b"key") and ref.token != card_ref(pan, b"other").token
    assert ref.masked == "497010******0002" and ref.token.startswith("tok_")
    tokens = " ".join(card_ref(sandbox_pan(f"{n:04d}"), b"key").token for n in range(2000))
    assert find_pans(tokens) == []
