"""AMO rights of the dataset's people: organisme (régime, caisse, centre), rights periods, exonerations, CSS.

Derived from the dataset, deterministically, without touching the data module: every beneficiary of the dataset
(population and personas) is known to the AMO with rights open around the reference date, so the AMO and AMC
views of a patient agree. A few named AMO cases (amo/cases.py) change one person each: rights closed, ALD,
maternity, work accident, CSS, MSA. Pure functions and frozen values; the CDRi simulator and the AMO billing
intake both read `amo_directory(dataset)`.

Decisions [I]: a dependant (ayant droit: `insured_nir` set) shares the insured person's organisme and has
rang de bénéficiaire 2, the insured 1; rights periods are inclusive; rights are judged on the date asked.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from simulators.domain.identifiers import Nir
from simulators.domain.people import Beneficiary, BirthDate
from simulators.domain.rights import nir_key_is_valid

if TYPE_CHECKING:
    from simulators.data.dataset import Dataset


class AmoStatus(str, Enum):
    OPEN = "open"
    CLOSED = "closed"  # the last period ended before the date asked
    NOT_YET_OPEN = "not_yet_open"  # the first period starts after the date asked


class Quality(str, Enum):
    INSURED = "insured"  # assuré (ouvrant droit)
    DEPENDANT = "dependant"  # ayant droit


class ExonerationReason(str, Enum):
    """Why the AMO pays the ticket modérateur too (exonération du TM)."""

    ALD = "ald"  # affection de longue durée
    MATERNITY = "maternity"
    WORK_ACCIDENT = "work_accident"  # accident du travail / maladie professionnelle


@dataclass(frozen=True, slots=True)
class AmoOrganisme:
    """The AMO fund that pays: régime (2 digits), caisse (3), centre (4); `code` is what a B2 lot is sent to."""

    regime: str
    caisse: str
    centre: str
    name: str

    @property
    def code(self) -> str:
        return f"{self.regime}{self.caisse}{self.centre}"


@dataclass(frozen=True, slots=True)
class RightsPeriod:
    start: date
    end: date  # last covered day

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Exoneration:
    reason: ExonerationReason
    start: date
    end: date | None = None  # None: open-ended (ALD without end date)
    reference: str | None = None  # ALD number, work-accident number

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Css:
    """Complémentaire santé solidaire and who manages it (the caisse itself or an organisme complémentaire)."""

    organisme: str
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class AmoRecord:
    """What the AMO knows of one beneficiary (identified by NIR, birth date and rang de naissance)."""

    beneficiary: Beneficiary
    organisme: AmoOrganisme
    periods: tuple[RightsPeriod, ...]
    quality: Quality = Quality.INSURED
    rang_beneficiaire: int = 1
    exonerations: tuple[Exoneration, ...] = ()
    css: Css | None = None

    def status_on(self, day: date) -> AmoStatus:
        if any(period.covers(day) for period in self.periods):
            return AmoStatus.OPEN
        if all(period.start > day for period in self.periods):
            return AmoStatus.NOT_YET_OPEN
        return AmoStatus.CLOSED

    def covers(self, start: date, end: date) -> bool:
        """True when one rights period holds every day from `start` to `end`."""
        return any(period.covers(start) and period.covers(end) for period in self.periods)

    def exonerations_on(self, day: date) -> tuple[Exoneration, ...]:
        return tuple(exoneration for exoneration in self.exonerations if exoneration.covers(day))

    def css_on(self, day: date) -> Css | None:
        return self.css if self.css is not None and self.css.covers(day) else None


# -- deterministic defaults -------------------------------------------------------------------------------------
# Régimes and caisses [I]: codes shaped like the real ones (régime général 01, MSA 02; CPAM = department + 1).
REGIMES = (("01", "CPAM", 93), ("02", "MSA", 7))  # (code, fund label, weight in 100)
CAISSES = ("751", "921", "931", "941", "691", "131", "331", "591", "441", "201")
RANG_INSURED, RANG_DEPENDANT = 1, 2


def _draw(*parts: object) -> int:
    """A stable integer from the parts (SHA-256: equal in every process, unlike hash())."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def default_organisme(seed: int, nir_body: str, regime: str | None = None) -> AmoOrganisme:
    """The organisme of a household (keyed by the insured's NIR, which dependants carry too)."""
    draw = _draw("amo-organisme", seed, nir_body)
    if regime is None:
        bucket, regime, label = draw % 100, REGIMES[0][0], REGIMES[0][1]
        for code, fund, weight in REGIMES:
            if bucket < weight:
                regime, label = code, fund
                break
            bucket -= weight
    else:
        label = dict((code, fund) for code, fund, _ in REGIMES).get(regime, "Caisse")
    caisse = CAISSES[(draw >> 8) % len(CAISSES)]
    centre = f"{(draw >> 16) % 10_000:04d}"
    return AmoOrganisme(regime, caisse, centre, f"{label} {caisse[:2]} centre {centre}")


def default_record(seed: int, reference: date, beneficiary: Beneficiary) -> AmoRecord:
    """Rights open from a past 1st of January to the end of next year; quality from `insured_nir`."""
    person = replace(beneficiary, nir=Nir.with_key(beneficiary.nir.body))
    since = reference.year - _draw("amo-since", seed, person.nir.body, person.birth_date, person.rang_naissance) % 6
    dependant = person.insured_nir is not None
    return AmoRecord(beneficiary=person, organisme=default_organisme(seed, person.nir.body),
                     periods=(RightsPeriod(date(since, 1, 1), date(reference.year + 1, 12, 31)),),
                     quality=Quality.DEPENDANT if dependant else Quality.INSURED,
                     rang_beneficiaire=RANG_DEPENDANT if dependant else RANG_INSURED)


def identity_key(beneficiary: Beneficiary) -> tuple[str, str, int]:
    return beneficiary.nir.body, str(beneficiary.birth_date), beneficiary.rang_naissance


class AmoDirectory:
    """The AMO's base for one dataset: look a beneficiary up, or get the error key saying why not."""

    def __init__(self, records: Iterable[AmoRecord]) -> None:
        self._by_identity: dict[tuple[str, str, int], AmoRecord] = {}
        self._by_nir: dict[str, list[AmoRecord]] = {}
        for record in records:
            self._by_identity[identity_key(record.beneficiary)] = record
            self._by_nir.setdefault(record.beneficiary.nir.body, []).append(record)

    def __len__(self) -> int:
        return len(self._by_identity)

    def identify(self, beneficiary: Beneficiary) -> AmoRecord | str:
        """The record, or `beneficiary.nir_key_invalid` / `beneficiary.unknown` / `beneficiary.identity_mismatch`.

        Twins and a parent share a NIR: birth date and rang de naissance pick the person.
        """
        if not nir_key_is_valid(beneficiary.nir):
            return "beneficiary.nir_key_invalid"
        if beneficiary.nir.body not in self._by_nir:
            return "beneficiary.unknown"
        return self._by_identity.get(identity_key(beneficiary), "beneficiary.identity_mismatch")

    def lookup(self, nir: Nir, birth_date: BirthDate, rang_naissance: int) -> AmoRecord | str:
        return self.identify(Beneficiary(nir, birth_date, rang_naissance, "", ""))


@lru_cache(maxsize=8)
def amo_directory(dataset: "Dataset") -> AmoDirectory:
    """Every beneficiary of the dataset with default rights, then the AMO cases' records over them."""
    from simulators.amo.cases import amo_cases

    records = {identity_key(b): default_record(dataset.seed, dataset.reference_date, b)
               for b in dataset.beneficiaries}
    for case in amo_cases(dataset).values():
        key = identity_key(case.beneficiary)
        if case.record is None:
            records.pop(key, None)
        else:
            records[key] = case.record
    return AmoDirectory(records.values())
