"""What the acquirer keeps of a card (a keyed token and the 6/4 masked PAN, never the PAN) and test PANs.

The token is an HMAC of the PAN under the acquirer's key, written in base64url so it can never look like a
card number to a PAN-leak scan (a hex digest can hold a 13+ digit Luhn-valid run by chance).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from simulators.acquirer.codec import masked_pan_of
from simulators.masking import luhn_valid

# The French sandbox test range (domain notes §4, PayGreen): rules match on the PAN suffix whatever the BIN.
TEST_BIN = "497010"


@dataclass(frozen=True, slots=True)
class CardRef:
    token: str  # "tok_" + base64url(HMAC-SHA256(key, PAN))[:22], stable for a key
    masked: str  # 497010******0051


def card_ref(pan: str, key: bytes) -> CardRef:
    digest = hmac.new(key, pan.encode("ascii", errors="replace"), hashlib.sha256).digest()
    token = "tok_" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")[:22]
    return CardRef(token, masked_pan_of(pan))


def sandbox_pan(suffix: str, *, bin: str = TEST_BIN, length: int = 16) -> str:
    """A Luhn-valid PAN of `length` digits starting with `bin` and ending with `suffix`.

    The digit just before the suffix is chosen to satisfy Luhn, so `sandbox_pan("0051")` ends in 0051.
    """
    if not (suffix.isdigit() and bin.isdigit() and len(bin) + len(suffix) < length):
        raise ValueError(f"cannot build a {length}-digit PAN from BIN {bin!r} and suffix {suffix!r}")
    head = (bin + "0" * length)[: length - len(suffix) - 1]
    for digit in "0123456789":
        pan = head + digit + suffix
        if luhn_valid(pan):
            return pan
    raise AssertionError("unreachable: the free digit can always satisfy Luhn")


def card_expired(expiry_yymm: str, today: date) -> bool:
    """A card is valid through the last day of its expiry month (DE14 YYMM, years 20YY)."""
    year, month = 2000 + int(expiry_yymm[:2]), int(expiry_yymm[2:])
    return (year, month) < (today.year, today.month)
