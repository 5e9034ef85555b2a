"""Beneficiaries and their birth dates (lunar dates included)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from simulators.domain.identifiers import InvalidIdentifier, Nir

_BIRTH = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth date as the civil registry knows it: day or month may be 00 ("date lunaire")."""

    year: int
    month: int  # 0 when unknown
    day: int  # 0 when unknown

    @classmethod
    def parse(cls, text: str) -> "BirthDate":
        """Parse YYYYMMDD or YYYY-MM-DD; day/month 00 allowed, other impossible values refused."""
        match = _BIRTH.match(text.replace("-", ""))
        if not match:
            raise InvalidIdentifier(f"birth date must be YYYY-MM-DD (day or month 00 allowed): {text!r}")
        year, month, day = (int(g) for g in match.groups())
        if month > 12 or day > 31:
            raise InvalidIdentifier(f"birth date out of range: {text!r}")
        if month and day:
            try:
                date(year, month, day)
            except ValueError as exc:
                raise InvalidIdentifier(f"birth date does not exist: {text!r}") from exc
        return cls(year, month, day)

    @property
    def is_lunar(self) -> bool:
        return self.month == 0 or self.day == 0

    def approximate(self) -> date:
        """A real date for age computations: unknown month → January, unknown day → 1st."""
        return date(self.year, self.month or 1, self.day or 1)

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
