"""Invoice lots (bench-b2-1 to the AMO, bench-dre-es-1 to the AMC): the values a lot file carries.

Counts, totals and the signature are not stored: the writer derives them, the validator checks them.
Text fields hold what the file holds: printable upper-case ASCII (see text.file_text for the conversion).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from simulators.domain.contracts import PrestationFamily
from simulators.domain.identifiers import Finess, Nir
from simulators.domain.money import Cents
from simulators.domain.people import BirthDate
from simulators.domain.stays import Stay


@dataclass(frozen=True, slots=True)
class Totals:
    """Amounts split into the three parts; `balanced` when they add up to the total, to the cent."""

    total_cents: Cents = 0
    amo_cents: Cents = 0
    amc_cents: Cents = 0
    patient_cents: Cents = 0

    def __add__(self, other: "Totals") -> "Totals":
        return Totals(self.total_cents + other.total_cents, self.amo_cents + other.amo_cents,
                      self.amc_cents + other.amc_cents, self.patient_cents + other.patient_cents)

    @property
    def balanced(self) -> bool:
        return self.amo_cents + self.amc_cents + self.patient_cents == self.total_cents


def _sum(items) -> Totals:
    total = Totals()
    for item in items:
        total = total + item.totals
    return total


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One billed prestation; unit price and base are per unit, the four amounts are for the line."""

    line_number: int
    code: str
    family: PrestationFamily
    start: date
    end: date
    quantity: int
    unit_price_cents: Cents
    base_cents: Cents
    amo_rate_pct: int
    total_cents: Cents
    amo_cents: Cents
    amc_cents: Cents
    patient_cents: Cents

    @property
    def totals(self) -> Totals:
        return Totals(self.total_cents, self.amo_cents, self.amc_cents, self.patient_cents)


@dataclass(frozen=True, slots=True)
class AmcReference:
    """What an AMC invoice quotes: the CLC commitment and the attestation's identifiers."""

    commitment_number: str
    numero_amc: str
    numero_adherent: str


@dataclass(frozen=True, slots=True)
class Invoice:
    """One invoice: the beneficiary, the stay, the lines; `amc` is required by AMC profiles, refused by AMO ones.

    `stay` is the domain Stay (the stay record is optional in the file: ACE invoices may go without); its
    `venue_number` is the invoice's `entry_number`.
    """

    invoice_number: int
    nir: Nir
    rang_beneficiaire: int
    rang_naissance: int
    birth_date: BirthDate
    last_name: str
    first_name: str
    entry_number: str
    lines: tuple[InvoiceLine, ...]
    stay: Stay | None = None
    amc: AmcReference | None = None

    @property
    def totals(self) -> Totals:
        return _sum(self.lines)


@dataclass(frozen=True, slots=True)
class Lot:
    """An invoice lot as one file: header data and invoices, for the profile named by `profile`.

    `recipient` is the AMO organisme (régime, caisse, centre) for bench-b2-1, the numéro AMC for bench-dre-es-1.
    """

    profile: str
    lot_number: int
    finess_juridique: Finess
    finess_geographique: Finess
    recipient: str
    created: date
    invoices: tuple[Invoice, ...]

    @property
    def totals(self) -> Totals:
        return _sum(self.invoices)

    @property
    def invoice_count(self) -> int:
        return len(self.invoices)
