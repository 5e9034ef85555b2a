"""Results of the domain rules, shared by the pricing engine, the AMC simulator and the message codecs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from simulators.domain.contracts import CoverageRule
from simulators.domain.money import Cents


class RightsStatus(str, Enum):
    OPEN = "open"
    CLOSED = "closed"  # validity ended before (or on) the dates asked
    NOT_YET_OPEN = "not_yet_open"  # opens after the admission date (may open mid-stay)
    SUSPENDED = "suspended"
    DOMAINE_NOT_COVERED = "domaine_not_covered"


@dataclass(frozen=True, slots=True)
class Coverage:
    """What IDB answers for a stay context: status, dates, the rules that apply, and why not when refused.

    `refusal` is an error-catalogue key (see docs/error-keys.md) or None when rights are open.
    """

    status: RightsStatus
    valid_from: date
    valid_to: date
    rules: tuple[CoverageRule, ...]
    responsable: bool
    refusal: str | None = None


@dataclass(frozen=True, slots=True)
class LineQuote:
    """Pricing of one prestation line; the three parts always add up to `total_cents`."""

    line_number: int
    total_cents: Cents
    base_total_cents: Cents
    amo_cents: Cents
    amc_cents: Cents
    patient_cents: Cents
    refusal: str | None = None  # catalogue key when the AMC pays nothing on this line


@dataclass(frozen=True, slots=True)
class Quote:
    """Pricing of a stay: lines and totals (SIM and CLC both answer with this)."""

    lines: tuple[LineQuote, ...]
    total_cents: Cents
    amo_cents: Cents
    amc_cents: Cents
    patient_cents: Cents
