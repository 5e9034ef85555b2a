"""Establishments, stays (venues) and billed prestation lines."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from simulators.domain.contracts import PrestationFamily
from simulators.domain.identifiers import Finess
from simulators.domain.money import Cents


class Domaine(str, Enum):
    MCO = "MCO"
    HAD = "HAD"
    SSR = "SSR"
    PSY = "PSY"


class StayType(str, Enum):
    HOSPITALISATION_COMPLETE = "HC"
    AMBULATOIRE = "AMB"
    ACE = "ACE"


@dataclass(frozen=True, slots=True)
class Establishment:
    finess_juridique: Finess
    finess_geographique: Finess
    name: str


@dataclass(frozen=True, slots=True)
class Stay:
    """One venue: the context IDB, SIM and CLC are asked about."""

    venue_number: str
    domaine: Domaine
    mode_traitement: str  # 2 digits
    dmt: str  # 3 digits
    stay_type: StayType
    admission_date: date
    admission_mode: str
    discharge_date: date | None = None
    discharge_mode: str | None = None
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class PrestationLine:
    """One billed line. `base_cents` and `unit_price_cents` are per unit; `amo_rate_pct` applies to the base."""

    line_number: int
    code: str
    family: PrestationFamily
    start: date
    end: date
    quantity: int
    unit_price_cents: Cents
    base_cents: Cents
    amo_rate_pct: int
    amo_cents: Cents | None = None  # when the GAP sends the AMO amount it computed
