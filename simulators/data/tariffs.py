"""Realistic French hospital tariffs and the prestation lines of a stay, in integer cents.

Orders of magnitude follow public tariffs: forfait journalier 20 € a day (15 € in psychiatry), chambre
particulière 45-90 € a day (not reimbursed by the AMO), GHS in the thousands of euros with the AMO at 80 % and the
ticket modérateur at 20 %, daily supplements (réanimation, surveillance continue), SSR and psychiatry day prices,
HAD daily tariffs, ACE acts at 70 %. [I] The participation forfaitaire that replaces the TM above 120 € acts and
exonerations (ALD, maternity) are not modelled: a GAP sends them as its own AMO amount.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from simulators.domain import Domaine, PrestationFamily, PrestationLine, Stay, StayType
from simulators.domain.money import Cents

FJ, CP, GHS, SUP, TM = (PrestationFamily.FORFAIT_JOURNALIER, PrestationFamily.CHAMBRE_PARTICULIERE,
                        PrestationFamily.GHS, PrestationFamily.SUPPLEMENT, PrestationFamily.TICKET_MODERATEUR)

FORFAIT_JOURNALIER: dict[Domaine, Cents] = {Domaine.MCO: 2_000, Domaine.SSR: 2_000, Domaine.PSY: 1_500}
AMO_RATE_STAY = 80
AMO_RATE_ACE = 70
ADMISSION_MODE = "8"  # from home (PMSI mode d'entrée)
DISCHARGE_MODE = "8"  # to home (PMSI mode de sortie)

# Daily supplements: (code, min, max) per day.
SUPPLEMENTS = (("REA", 85_000, 95_000), ("SRC", 30_000, 36_000), ("STF", 33_000, 38_000))
# ACE acts (code, unit price): consultations and common CCAM acts; odd cents make 70 % land on half cents.
ACE_ACTS = (("G", 3_000), ("APC", 5_500), ("CS", 3_000), ("DEQP003", 1_415), ("ZBQK002", 2_515),
            ("YYYY600", 4_105), ("AHQP001", 7_305))


@dataclass(frozen=True, slots=True)
class StayShape:
    """What kind of stay to make: domaine, type, length (nights; 0 for day cases) and optional extras."""

    domaine: Domaine
    stay_type: StayType
    nights: int
    chambre_particuliere_cents: Cents | None = None  # daily price of a private room, when asked for
    supplement_days: int = 0


def make_stay(shape: StayShape, *, venue_number: str, admission: date, mode_traitement: str, dmt: str,
              urgent: bool = False) -> Stay:
    return Stay(venue_number=venue_number, domaine=shape.domaine, mode_traitement=mode_traitement, dmt=dmt,
                stay_type=shape.stay_type, admission_date=admission, admission_mode=ADMISSION_MODE,
                discharge_date=admission + timedelta(days=shape.nights), discharge_mode=DISCHARGE_MODE,
                urgent=urgent)


class _Lines:
    """Accumulates numbered lines for one stay."""

    def __init__(self, stay: Stay) -> None:
        self.stay = stay
        self.items: list[PrestationLine] = []

    def add(self, code: str, family: PrestationFamily, quantity: int, unit: Cents, base: Cents, amo_rate: int,
            start: date | None = None, end: date | None = None) -> None:
        self.items.append(PrestationLine(
            line_number=len(self.items) + 1, code=code, family=family, start=start or self.stay.admission_date,
            end=end or self.stay.discharge_date or self.stay.admission_date, quantity=quantity,
            unit_price_cents=unit, base_cents=base, amo_rate_pct=amo_rate))


def _days(stay: Stay) -> int:
    """Calendar days of presence, the discharge day included (as the forfait journalier counts them)."""
    return ((stay.discharge_date or stay.admission_date) - stay.admission_date).days + 1


def lines_for(stay: Stay, shape: StayShape, rng: random.Random) -> tuple[PrestationLine, ...]:
    """The prestation lines of a stay: the stay tariff, then forfait journalier, private room, supplements."""
    lines = _Lines(stay)
    days, nights = _days(stay), max(1, shape.nights)
    kind = (stay.domaine, stay.stay_type)
    if stay.stay_type is StayType.ACE:
        for code, price in rng.sample(ACE_ACTS, rng.randint(1, 3)):
            lines.add(code, TM, 1, price, price, AMO_RATE_ACE)
        return tuple(lines.items)
    if kind == (Domaine.MCO, StayType.HOSPITALISATION_COMPLETE):
        price = rng.randint(150_000, 1_200_000)
        lines.add(f"GHS{rng.randint(1, 9_999):04d}", GHS, 1, price, price, AMO_RATE_STAY)
    elif kind == (Domaine.MCO, StayType.AMBULATOIRE):
        price = rng.randint(40_000, 150_000)
        lines.add(f"GHS{rng.randint(1, 9_999):04d}", GHS, 1, price, price, AMO_RATE_STAY)
    elif stay.domaine is Domaine.HAD:
        price = rng.randint(15_000, 35_000)
        lines.add(f"GHT{rng.randint(1, 31):02d}", GHS, days, price, price, AMO_RATE_STAY)
    else:  # SSR and PSY: a day price (prix de journée)
        low, high = (30_000, 45_000) if stay.domaine is Domaine.SSR else (60_000, 85_000)
        price = rng.randint(low, high)
        quantity = days if stay.stay_type is StayType.HOSPITALISATION_COMPLETE else 1
        lines.add(f"PJ{stay.dmt}", GHS, quantity, price, price, AMO_RATE_STAY)
    if stay.stay_type is StayType.HOSPITALISATION_COMPLETE and stay.domaine in FORFAIT_JOURNALIER:
        fj = FORFAIT_JOURNALIER[stay.domaine]
        lines.add("FJ" if stay.domaine is not Domaine.PSY else "FJP", FJ, days, fj, fj, 0)
    if shape.chambre_particuliere_cents is not None:
        end = stay.admission_date + timedelta(days=nights - 1)
        lines.add("CP", CP, nights, shape.chambre_particuliere_cents, 0, 0, end=end)
    if shape.supplement_days:
        code, low, high = rng.choice(SUPPLEMENTS)
        price = rng.randint(low, high)
        end = stay.admission_date + timedelta(days=shape.supplement_days - 1)
        lines.add(code, SUP, shape.supplement_days, price, price, AMO_RATE_STAY, end=end)
    return tuple(lines.items)


# Mix of stays a hospital sends to ROC in a morning (weights), for drawn stays [I].
STAY_MIX: tuple[tuple[Domaine, StayType, int], ...] = (
    (Domaine.MCO, StayType.HOSPITALISATION_COMPLETE, 45),
    (Domaine.MCO, StayType.AMBULATOIRE, 20),
    (Domaine.MCO, StayType.ACE, 10),
    (Domaine.SSR, StayType.HOSPITALISATION_COMPLETE, 8),
    (Domaine.PSY, StayType.HOSPITALISATION_COMPLETE, 8),
    (Domaine.HAD, StayType.HOSPITALISATION_COMPLETE, 9),
)


def random_shape(rng: random.Random, domaine: Domaine, stay_type: StayType) -> StayShape:
    """Length and extras typical of the kind of stay."""
    if stay_type is not StayType.HOSPITALISATION_COMPLETE:
        return StayShape(domaine, stay_type, 0)
    nights = {Domaine.MCO: rng.randint(1, 10), Domaine.SSR: rng.randint(7, 35),
              Domaine.PSY: rng.randint(5, 40), Domaine.HAD: rng.randint(5, 30)}[domaine]
    cp = None
    if domaine is not Domaine.HAD and rng.random() < 0.4:
        cp = rng.choice((4_500, 5_500, 6_500, 7_500, 9_000))
    supplement = rng.randint(1, min(nights, 4)) if domaine is Domaine.MCO and rng.random() < 0.15 else 0
    return StayShape(domaine, stay_type, nights, cp, supplement)
