"""Faker providers for the ROC identifiers: NIR (valid key, Corsica, DOM, born abroad), birth dates (lunar ones
too), FINESS (check digit), AMC numbers, adhérent numbers and the attestation's routing codes.

Every method draws from the generator's own `random`, so a seeded Faker gives the same values in any process.
Code lists marked [I] are bench choices shaped like the real ones (the official lists were not seen).
"""
from __future__ import annotations

import calendar
from datetime import date

from faker import Faker
from faker.providers import BaseProvider

from simulators.domain import BirthDate, Finess, Nir
from simulators.domain.stays import Domaine, StayType

MAINLAND_DEPARTMENTS = tuple(f"{n:02d}" for n in range(1, 96) if n != 20)
CORSICA = ("2A", "2B")
METROPOLITAN_DEPARTMENTS = MAINLAND_DEPARTMENTS + CORSICA
OVERSEAS = ("971", "972", "973", "974", "976")  # 3-digit departments: the NIR's commune then has 2 digits
# INSEE country codes (the 3 digits after "99") for people born abroad [I]: Portugal, Italy, Spain, Germany,
# Belgium, Morocco, Tunisia, Algeria, Senegal, Vietnam.
COUNTRIES = ("139", "127", "134", "109", "131", "350", "351", "352", "341", "243")

TYPES_CONVENTION = ("SP", "IS", "KA", "CB", "AL", "VI", "OC", "HM")  # [I] short codes as printed on attestations
CRITERES_SECONDAIRES = ("01", "02", "03", "10", "AA", "AB")  # [I]

# Mode de traitement per kind of stay [I]: 03 full hospitalisation, 04 day hospitalisation, 07 external
# consultation (ACE), 19 HAD.
MODES_TRAITEMENT: dict[tuple[Domaine, StayType], str] = {
    (Domaine.MCO, StayType.HOSPITALISATION_COMPLETE): "03",
    (Domaine.MCO, StayType.AMBULATOIRE): "04",
    (Domaine.MCO, StayType.ACE): "07",
    (Domaine.SSR, StayType.HOSPITALISATION_COMPLETE): "03",
    (Domaine.SSR, StayType.AMBULATOIRE): "04",
    (Domaine.PSY, StayType.HOSPITALISATION_COMPLETE): "03",
    (Domaine.PSY, StayType.AMBULATOIRE): "04",
    (Domaine.HAD, StayType.HOSPITALISATION_COMPLETE): "19",
}
# DMT (discipline médico-tarifaire), 3 digits, per domaine [I].
DMTS: dict[Domaine, tuple[str, ...]] = {
    Domaine.MCO: ("101", "161", "302", "322", "401", "431"),
    Domaine.SSR: ("550", "560", "570"),
    Domaine.PSY: ("730", "740", "750"),
    Domaine.HAD: ("600", "610"),
}


class RocProvider(BaseProvider):
    """Add to a Faker (`fake.add_provider(RocProvider)`); fr_FR names and cities come from Faker itself."""

    def department(self, corsica: bool = False, overseas: bool = False, mainland: bool = False) -> str:
        """A department: metropolitan (2A/2B included unless `mainland`), or Corsican / overseas when asked."""
        if corsica:
            return self.random_element(CORSICA)
        if overseas:
            return self.random_element(OVERSEAS)
        return self.random_element(MAINLAND_DEPARTMENTS if mainland else METROPOLITAN_DEPARTMENTS)

    def birth_date(self, reference: date, min_age: int = 0, max_age: int = 90, lunar: str | None = None) -> BirthDate:
        """A birth date aged min_age..max_age at `reference`.

        `lunar`: None (a real date), "day" (day 00), "month" (month and day 00) or "impossible" (e.g. 30/02).
        """
        year = reference.year - self.random_int(min_age, max_age)
        month = self.random_int(1, 12)
        day = self.random_int(1, calendar.monthrange(year, month)[1])
        if lunar == "day":
            return BirthDate(year, month, 0)
        if lunar == "month":
            return BirthDate(year, 0, 0)
        if lunar == "impossible":
            return BirthDate(year, 2, self.random_int(30, 31))
        if lunar is not None:
            raise ValueError(f"lunar must be None, 'day', 'month' or 'impossible', got {lunar!r}")
        return BirthDate(year, month, day)

    def nir(self, birth: BirthDate, sex: int | None = None, department: str | None = None,
            abroad: bool = False) -> Nir:
        """A NIR with a valid key for someone born on `birth` in `department` (or abroad).

        An unknown birth month is written 20..30 in the NIR, as INSEE does for incomplete civil records [I].
        """
        sex = sex or self.random_int(1, 2)
        month = f"{birth.month:02d}" if birth.month else f"{self.random_int(20, 30):02d}"
        if abroad:
            place = "99" + self.random_element(COUNTRIES)
        else:
            department = department or self.department()
            commune_digits = 5 - len(department)
            commune = self.random_int(1, 10 ** commune_digits - 1)
            place = f"{department}{commune:0{commune_digits}d}"
        order = self.random_int(1, 999)
        return Nir.with_key(f"{sex}{birth.year % 100:02d}{month}{place}{order:03d}")

    def finess(self, department: str | None = None) -> Finess:
        """A FINESS number with its check digit; the department is its first two characters."""
        department = department or self.department()
        return Finess.with_check_digit(f"{department[:2]}{self.random_int(0, 999_999):06d}")

    def numero_amc(self) -> str:
        """Identifier of an AMC on the attestation: 9 digits [I]."""
        return f"{self.random_int(100_000_000, 999_999_999)}"

    def numero_adherent(self) -> str:
        """The beneficiary's (or household's) number at the AMC: 10 digits [I]."""
        return f"{self.random_int(0, 9_999_999_999):010d}"

    def type_convention(self) -> str:
        return self.random_element(TYPES_CONVENTION)

    def critere_secondaire(self) -> str:
        return self.random_element(CRITERES_SECONDAIRES)

    def dmt(self, domaine: Domaine) -> str:
        return self.random_element(DMTS[domaine])

    def mode_traitement(self, domaine: Domaine, stay_type: StayType) -> str:
        try:
            return MODES_TRAITEMENT[(domaine, stay_type)]
        except KeyError:
            raise ValueError(f"no mode de traitement for {domaine.value} {stay_type.value}") from None


def seeded_faker(seed: int) -> Faker:
    """A fr_FR Faker with the ROC provider, seeded for this instance only (never the global random)."""
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    fake.add_provider(RocProvider)
    return fake
