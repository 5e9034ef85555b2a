"""Card data never leaves the bench unmasked: find Luhn-valid PANs in any text and keep first 6 / last 4."""
from __future__ import annotations

import re

_CANDIDATE = re.compile(r"(?<!\d)\d{13,19}(?!\d)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mask_pan(pan: str) -> str:
    """Mask one PAN: 6 first and 4 last digits kept, the rest replaced by '*'."""
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def find_pans(text: str) -> list[str]:
    """Every Luhn-valid 13–19 digit run in `text` (what a PAN-leak check looks for)."""
    return [m.group(0) for m in _CANDIDATE.finditer(text) if luhn_valid(m.group(0))]


def mask_text(text: str) -> str:
    """Mask every Luhn-valid card number in `text`."""
    return _CANDIDATE.sub(lambda m: mask_pan(m.group(0)) if luhn_valid(m.group(0)) else m.group(0), text)
