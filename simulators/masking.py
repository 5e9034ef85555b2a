"""Card data never leaves the bench unmasked: find Luhn-valid PANs in any text and keep first 6 / last 4."""
from __future__ import annotations

import re

_DIGIT_RUN = re.compile(r"\d{13,}")  # maximal runs; PANs are the runs of 13 to 19 digits


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


def is_nir(digits: str) -> bool:
    """A NIR body (13 digits) or a NIR with its key (15): sex 1/2, a plausible month, and for 15 digits the key.

    One NIR in ten is Luhn-valid by chance, and masking them would hide the very identifiers editors copy
    from reports. No card scheme issues 13- or 15-digit PANs starting with 1 or 2 except UATP (15 digits,
    starting with 1): the key check keeps that overlap near 1 %.
    """
    if len(digits) not in (13, 15) or digits[0] not in "12":
        return False
    month = int(digits[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        return False
    return len(digits) == 13 or 97 - int(digits[:13]) % 97 == int(digits[13:])


def _is_pan(digits: str) -> bool:
    return luhn_valid(digits) and not is_nir(digits)


def _candidate(run: str) -> bool:
    return len(run) <= 19 and _is_pan(run)


def find_pans(text: str) -> list[str]:
    """Every Luhn-valid 13–19 digit run in `text` that is not a NIR (what a PAN-leak check looks for)."""
    return [m.group(0) for m in _DIGIT_RUN.finditer(text) if _candidate(m.group(0))]


def mask_text(text: str) -> str:
    """Mask every Luhn-valid card number in `text` (NIRs with a valid key are left alone)."""
    return _DIGIT_RUN.sub(lambda m: mask_pan(m.group(0)) if _candidate(m.group(0)) else m.group(0), text)


def mask_counting(text: str) -> tuple[str, int]:
    """`text` masked, and how many card numbers had to be masked (a leak to report, not just to hide)."""
    pans = find_pans(text)
    return (mask_text(text), len(pans)) if pans else (text, 0)
