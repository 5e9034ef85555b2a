"""Beneficiaries and their birth dates (lunar dates included)."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from simulators.domain.identifiers import InvalidIdentifier, Nir

_BIRTH = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth date as the civil registry knows it, possibly "lunaire".

    A lunar date is one the calendar does not have: day or month 00 (unknown), or [I] a day the month does not
    have (e.g. 30/02), as carried by SESAM-Vitale. It must travel unchanged: never "fixed" to a real date.
    """

    year: int
    month: int  # 0 when unknown
    day: int  # 0 when unknown

    @classmethod
    def parse(cls, text: str) -> "BirthDate":
        """Parse YYYYMMDD or YYYY-MM-DD; month 00-12 and day 00-31 (lunar dates) allowed, nothing else."""
        match = _BIRTH.match(text.strip().replace("-", ""))
        if not match:
            raise InvalidIdentifier(f"birth date must be YYYY-MM-DD (day or month 00 allowed): {text!r}")
        year, month, day = (int(g) for g in match.groups())
        if year < 1 or month > 12 or day > 31:
            raise InvalidIdentifier(f"birth date out of range (month 00-12, day 00-31): {text!r}")
        return cls(year, month, day)

    @property
    def is_lunar(self) -> bool:
        if self.month == 0 or self.day == 0:
            return True
        return self.day > calendar.monthrange(self.year, self.month)[1]

    def approximate(self) -> date:
        """A real date for age computations: unknown month → January, unknown day → 1st, 30/02 → 28 or 29/02."""
        month = self.month or 1
        day = min(self.day or 1, calendar.monthrange(self.year, month)[1])
        return date(self.year, month, day)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class Beneficiary:
    """The patient as the AMC knows them; twins share NIR and birth date and differ by rang de naissance."""

    nir: Nir
    birth_date: BirthDate
    rang_naissance: int
    last_name: str
    first_name: str
    insured_nir: Nir | None = None  # ouvrant droit, when the patient is not the insured person
