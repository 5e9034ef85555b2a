"""Contract formulas ("formules") the dataset's AMCs sell: named sets of coverage rules [I, typical levels]."""
from __future__ import annotations

from dataclasses import dataclass

from simulators.domain import CoverageRule, PrestationFamily

FJ, CP, GHS, SUP, TM = (PrestationFamily.FORFAIT_JOURNALIER, PrestationFamily.CHAMBRE_PARTICULIERE,
                        PrestationFamily.GHS, PrestationFamily.SUPPLEMENT, PrestationFamily.TICKET_MODERATEUR)


@dataclass(frozen=True, slots=True)
class Formula:
    code: str
    label: str
    rules: tuple[CoverageRule, ...]


_BASE = (CoverageRule(GHS, rate_pct=100), CoverageRule(SUP, rate_pct=100), CoverageRule(TM, rate_pct=100),
         CoverageRule(FJ, rate_pct=100))

ESSENTIEL = Formula("ESS", "Essentiel: ticket modérateur and forfait journalier, no private room", _BASE)
CONFORT = Formula("CONF", "Confort: adds 45 € a day of private room (60 days a stay), psychiatry FJ capped", _BASE + (
    CoverageRule(FJ, domaine="PSY", rate_pct=100, ceiling_cents=90 * 1_500),
    CoverageRule(CP, flat_cents=4_500, ceiling_cents=60 * 4_500),
))
PREMIUM = Formula("PREM", "Premium: 150 % BR on acts, 80 € a day of private room (40 € in psychiatry)", (
    CoverageRule(GHS, rate_pct=100), CoverageRule(SUP, rate_pct=100), CoverageRule(TM, rate_pct=150),
    CoverageRule(FJ, rate_pct=100), CoverageRule(CP, flat_cents=8_000),
    CoverageRule(CP, domaine="PSY", flat_cents=4_000),
))
HOSPI_MCO = Formula("HMCO", "Hospi MCO: short-stay hospital cover only (no SSR, PSY, HAD)", tuple(
    CoverageRule(rule.family, domaine="MCO", rate_pct=rule.rate_pct) for rule in _BASE
) + (CoverageRule(CP, domaine="MCO", flat_cents=5_000),))

POPULATION_FORMULAS = ((ESSENTIEL, 35), (CONFORT, 45), (PREMIUM, 20))  # weights in the drawn population
