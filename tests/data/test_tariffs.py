"""Generated lines follow French tariffs and always pass the AMC's coherence checks."""
import random
from datetime import date

import pytest

from simulators.data.tariffs import STAY_MIX, StayShape, lines_for, make_stay, random_shape
from simulators.domain import Domaine, PrestationFamily, StayType
from simulators.domain.pricing import check_lines

HC = StayType.HOSPITALISATION_COMPLETE


def _stay(shape, rng):
    return make_stay(shape, venue_number="1", admission=date(2026, 11, 25), mode_traitement="03", dmt="101")


@pytest.mark.parametrize("domaine, stay_type, _", STAY_MIX)
def test_random_stays_are_coherent(domaine, stay_type, _):
    rng = random.Random(f"{domaine}{stay_type}")
    for _ in range(50):
        shape = random_shape(rng, domaine, stay_type)
        stay = _stay(shape, rng)
        lines = lines_for(stay, shape, rng)
        assert lines and check_lines(stay, lines) is None
        assert [line.line_number for line in lines] == list(range(1, len(lines) + 1))


def test_forfait_journalier_private_room_and_ghs():
    rng = random.Random(1)
    shape = StayShape(Domaine.MCO, HC, 4, chambre_particuliere_cents=6_500, supplement_days=2)
    stay = _stay(shape, rng)
    by_family = {line.family: line for line in lines_for(stay, shape, rng)}
    fj, cp, ghs = (by_family[PrestationFamily.FORFAIT_JOURNALIER], by_family[PrestationFamily.CHAMBRE_PARTICULIERE],
                   by_family[PrestationFamily.GHS])
    assert (fj.unit_price_cents, fj.quantity, fj.amo_rate_pct) == (2_000, 5, 0)  # 20 €/day, discharge day included
    assert (cp.unit_price_cents, cp.base_cents, cp.quantity) == (6_500, 0, 4)  # no AMO base for a private room
    assert ghs.amo_rate_pct == 80 and 150_000 <= ghs.unit_price_cents <= 1_200_000
    assert by_family[PrestationFamily.SUPPLEMENT].quantity == 2


def test_psychiatry_forfait_is_15_euros_and_had_has_none():
    rng = random.Random(2)
    psy = StayShape(Domaine.PSY, HC, 10)
    fj = [line for line in lines_for(_stay(psy, rng), psy, rng) if line.family is PrestationFamily.FORFAIT_JOURNALIER]
    assert fj[0].unit_price_cents == 1_500
    had = StayShape(Domaine.HAD, HC, 10)
    lines = lines_for(_stay(had, rng), had, rng)
    assert [line.family for line in lines] == [PrestationFamily.GHS] and lines[0].quantity == 11


def test_ace_acts_at_70_percent():
    rng = random.Random(3)
    shape = StayShape(Domaine.MCO, StayType.ACE, 0)
    lines = lines_for(_stay(shape, rng), shape, rng)
    assert all(line.family is PrestationFamily.TICKET_MODERATEUR and line.amo_rate_pct == 70 for line in lines)
