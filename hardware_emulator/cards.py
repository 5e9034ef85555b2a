"""Synthetic cards: Luhn-valid numbers from a test range, seen only as a masked PAN, an expiry and a token.

The full PAN exists for the time of one function call; it is never stored, logged or returned. The token is a
keyed hash of the PAN (HMAC-SHA256 with a key derived from the seed), so the same card gives the same token; it is
"T" + base32 (letters and 2-7), so it never looks like a card number to a PAN-leak scanner.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import date

from simulators.masking import luhn_valid, mask_pan

# PayGreen's French sandbox range (domain notes §4): a test BIN, never a live card.
DEFAULT_BIN = "497010"


@dataclass(frozen=True, slots=True)
class CardView:
    """What the terminal may say about a card: never the full number."""

    masked_pan: str  # first 6 / last 4
    expiry: str  # YYMM
    token: str  # 24 characters: "T" + 23 base32


def luhn_check_digit(partial: str) -> str:
    """The digit that makes `partial + digit` Luhn-valid."""
    for digit in "0123456789":
        if luhn_valid(partial + digit):
            return digit
    raise AssertionError("unreachable: one digit always completes a Luhn number")


class SyntheticCards:
    """Deterministic card draws for one terminal (same seed, same sequence of cards)."""

    def __init__(self, seed: int = 0, *, bin_prefix: str = DEFAULT_BIN, length: int = 16) -> None:
        if not bin_prefix.isdigit() or not 13 <= length <= 19 or len(bin_prefix) >= length - 4:
            raise ValueError(f"card range: expected a numeric BIN shorter than length-4 and 13 <= length <= 19, "
                             f"received bin={bin_prefix!r} length={length}")
        self._rng = random.Random(seed)
        self._key = hashlib.sha256(f"simphonie-terminal-token:{seed}".encode()).digest()
        self._bin = bin_prefix
        self._length = length

    def draw(self, today: date, *, expired: bool = False) -> CardView:
        body = self._bin + "".join(self._rng.choice("0123456789") for _ in range(self._length - len(self._bin) - 1))
        pan = body + luhn_check_digit(body)
        if expired:
            months_ahead = -self._rng.randint(1, 24)
        else:
            months_ahead = self._rng.randint(6, 48)
        month_index = today.year * 12 + today.month - 1 + months_ahead
        expiry = f"{month_index // 12 % 100:02d}{month_index % 12 + 1:02d}"
        digest = hmac.new(self._key, pan.encode(), hashlib.sha256).digest()
        token = "T" + base64.b32encode(digest[:15]).decode()[:23]
        return CardView(mask_pan(pan), expiry, token)

    def authorisation_number(self) -> str:
        return f"{self._rng.randint(0, 999999):06d}"
