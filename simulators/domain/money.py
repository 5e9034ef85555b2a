"""Money is an integer number of euro cents everywhere in the bench; text amounts only at the edges."""
from __future__ import annotations

import re

Cents = int

_AMOUNT = re.compile(r"^(-)?(\d{1,9})(?:\.(\d{1,2}))?$")


def parse_amount(text: str) -> Cents:
    """Parse a decimal euro amount ("12.3", "12.30", "12") into cents; refuse anything else."""
    match = _AMOUNT.match(text.strip())
    if not match:
        raise ValueError(f"not an amount in euros with at most 2 decimals: {text!r}")
    sign, units, decimals = match.groups()
    cents = int(units) * 100 + int((decimals or "0").ljust(2, "0"))
    return -cents if sign else cents


def format_cents(cents: Cents) -> str:
    """Format cents as the profile's decimal amount: 1234 -> "12.34"."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
