"""Faker providers: every identifier they make is valid, and lunar / Corsican / foreign cases are real."""
from datetime import date

import pytest

from simulators.data.providers import CORSICA, seeded_faker
from simulators.domain import BirthDate, Domaine, Finess, Nir, StayType

REFERENCE = date(2026, 11, 25)


@pytest.fixture(scope="module")
def fake():
    return seeded_faker(7)


def test_nirs_have_valid_keys_everywhere(fake):
    for _ in range(200):
        birth = fake.birth_date(REFERENCE, 0, 99)
        for nir in (fake.nir(birth), fake.nir(birth, department=fake.department(corsica=True)),
                    fake.nir(birth, department=fake.department(overseas=True)), fake.nir(birth, abroad=True)):
            assert Nir.parse(str(nir)) == nir
            assert nir.body[3:5] == f"{birth.month:02d}" and nir.body[1:3] == f"{birth.year % 100:02d}"


def test_nir_places(fake):
    birth = BirthDate(1980, 5, 17)
    assert fake.nir(birth, department=fake.department(corsica=True)).body[5:7] in CORSICA
    assert fake.nir(birth, abroad=True).body[5:7] == "99"
    assert fake.nir(birth, department="974").body[5:8] == "974"
    assert fake.nir(birth, sex=2).body[0] == "2"
    assert all(fake.department(mainland=True) not in CORSICA for _ in range(200))


@pytest.mark.parametrize("kind, check", [
    ("day", lambda b: b.day == 0 and b.month != 0),
    ("month", lambda b: b.day == 0 and b.month == 0),
    ("impossible", lambda b: b.month == 2 and b.day in (30, 31)),
])
def test_lunar_birth_dates(fake, kind, check):
    birth = fake.birth_date(REFERENCE, 20, 60, lunar=kind)
    assert birth.is_lunar and check(birth)
    assert BirthDate.parse(str(birth)) == birth
    nir = fake.nir(birth)
    assert Nir.parse(str(nir)) == nir
    if birth.month == 0:
        assert 20 <= int(nir.body[3:5]) <= 30  # unknown month as INSEE writes it


def test_birth_date_ages_and_errors(fake):
    for _ in range(100):
        birth = fake.birth_date(REFERENCE, 18, 30)
        assert not birth.is_lunar and 18 <= REFERENCE.year - birth.year <= 30
    with pytest.raises(ValueError, match="lunar must be"):
        fake.birth_date(REFERENCE, lunar="sometimes")


def test_finess_and_amc_numbers(fake):
    for _ in range(100):
        finess = fake.finess()
        assert Finess.parse(finess.value) == finess
    assert fake.finess("2B").value.startswith("2B") and Finess.parse(fake.finess("2A").value)
    assert fake.finess("971").value.startswith("97")
    numero = fake.numero_amc()
    assert len(numero) == 9 and numero.isdigit()
    adherent = fake.numero_adherent()
    assert len(adherent) == 10 and adherent.isdigit()


def test_codes(fake):
    assert len(fake.dmt(Domaine.PSY)) == 3 and fake.dmt(Domaine.PSY).isdigit()
    assert fake.mode_traitement(Domaine.HAD, StayType.HOSPITALISATION_COMPLETE) == "19"
    assert fake.mode_traitement(Domaine.MCO, StayType.ACE) == "07"
    with pytest.raises(ValueError, match="no mode de traitement for HAD ACE"):
        fake.mode_traitement(Domaine.HAD, StayType.ACE)
    assert fake.type_convention() and fake.critere_secondaire()


def test_same_seed_same_values():
    first, second = seeded_faker(11), seeded_faker(11)
    birth = BirthDate(1990, 1, 1)
    assert [str(first.nir(birth)) for _ in range(20)] == [str(second.nir(birth)) for _ in range(20)]
