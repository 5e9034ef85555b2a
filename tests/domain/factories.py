"""Small factories for domain tests: a contract, a stay and lines with sensible defaults."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from simulators.domain import (AmcContract, Attestation, CoverageRule, Domaine, PrestationFamily, PrestationLine,
                               Stay, StayType)

ADMISSION = date(2026, 11, 2)
DISCHARGE = date(2026, 11, 6)
NIR = "269054958815780"

FJ, CP, GHS, SUP, TM = (PrestationFamily.FORFAIT_JOURNALIER, PrestationFamily.CHAMBRE_PARTICULIERE,
                        PrestationFamily.GHS, PrestationFamily.SUPPLEMENT, PrestationFamily.TICKET_MODERATEUR)


def contract(*rules: CoverageRule, **changes) -> AmcContract:
    attestation = Attestation("123456782", "SP", "01", "0012345678", date(2026, 1, 1), date(2026, 12, 31))
    base = AmcContract(contract_id="C1", nir=NIR, rang_naissance=1, attestation=attestation,
                       valid_from=date(2026, 1, 1), valid_to=date(2027, 12, 31), rules=tuple(rules))
    return replace(base, **changes)


def stay(domaine: Domaine = Domaine.MCO, **changes) -> Stay:
    base = Stay(venue_number="0000000001", domaine=domaine, mode_traitement="03", dmt="100",
                stay_type=StayType.HOSPITALISATION_COMPLETE, admission_date=ADMISSION, admission_mode="8",
                discharge_date=DISCHARGE, discharge_mode="8")
    return replace(base, **changes)


def line(number: int = 1, family: PrestationFamily = GHS, quantity: int = 1, unit: int = 100_000,
         base: int | None = None, amo_rate: int = 80, amo: int | None = None,
         start: date = ADMISSION, end: date | None = None, code: str = "X") -> PrestationLine:
    if end is None:
        end = start + timedelta(days=quantity - 1) if family in (FJ, CP) else DISCHARGE
    return PrestationLine(line_number=number, code=code, family=family, start=start, end=end, quantity=quantity,
                          unit_price_cents=unit, base_cents=unit if base is None else base, amo_rate_pct=amo_rate,
                          amo_cents=amo)


def standard_rules() -> tuple[CoverageRule, ...]:
    """A usual contract: TM of GHS and supplements, forfait journalier, 60 € a day of chambre particulière."""
    return (CoverageRule(GHS, rate_pct=100), CoverageRule(SUP, rate_pct=100), CoverageRule(FJ, rate_pct=100),
            CoverageRule(CP, flat_cents=6_000))
