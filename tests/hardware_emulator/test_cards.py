from __future__ import annotations

from datetime import date

import pytest

from hardware_emulator.cards import SyntheticCards, luhn_check_digit
from simulators.masking import luhn_valid


def test_check_digit_makes_luhn_valid_numbers():
    assert luhn_check_digit("497010519191943") == "5"  # 4970105191919435, the sandbox test card
    assert luhn_valid("497010519191943" + luhn_check_digit("497010519191943"))


def test_draws_are_masked_and_deterministic():
    first = [SyntheticCards(seed=3).draw(date(2026, 3, 2)) for _ in range(2)]
    assert first[0] == first[1]
    card = first[0]
    assert card.masked_pan.startswith("497010") and card.masked_pan[6:12] == "******" and len(card.masked_pan) == 16
    assert len(card.token) == 24 and card.token[0] == "T"
    assert all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in card.token[1:])


def test_other_seeds_give_other_cards():
    assert SyntheticCards(seed=1).draw(date(2026, 3, 2)) != SyntheticCards(seed=2).draw(date(2026, 3, 2))


def test_card_view_has_no_full_number():
    card = SyntheticCards(seed=5, length=19).draw(date(2026, 3, 2))
    assert not any(ch.isdigit() for ch in card.masked_pan[6:-4])
    assert len(card.masked_pan) == 19


def test_expired_draw_is_in_the_past():
    card = SyntheticCards(seed=9).draw(date(2026, 3, 2), expired=True)
    assert (2000 + int(card.expiry[:2]), int(card.expiry[2:])) < (2026, 3)


def test_bad_range_is_refused():
    with pytest.raises(ValueError, match="card range"):
        SyntheticCards(bin_prefix="49x010")
