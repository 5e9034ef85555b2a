"""Return files (bench-noemie-1 from the AMO, bench-rmeh-1 from the AMC): payments and rejects per invoice.

A partial reject is a Payment and a Reject (with the line number) for the same invoice. Reject reasons are
error keys (docs/error-keys.md); the profile's code table turns them into its reject codes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Sequence, Union

from simulators.domain.identifiers import Finess, Nir
from simulators.domain.money import Cents
from simulators.billing_files import checks
from simulators.billing_files.family import Family, RecordValues, fields_of, header_values, pick
from simulators.billing_files.problems import EncodeError, ProblemCode
from simulators.billing_files.profiles import Profile
from simulators.billing_files.records import END, DecodedRecord

HEADER, PAYMENT, REJECT, TOTALS = "return_header", "payment", "reject", "totals"

TRANSITIONS = {
    None: frozenset({HEADER}),
    HEADER: frozenset({PAYMENT, REJECT, TOTALS}),
    PAYMENT: frozenset({PAYMENT, REJECT, TOTALS}),
    REJECT: frozenset({PAYMENT, REJECT, TOTALS}),
    TOTALS: frozenset({END}),
}


@dataclass(frozen=True, slots=True)
class Payment:
    """What the payer paid on one invoice; `billed_cents` is the part this payer was asked for.

    `commitment_number` is required by AMC profiles and refused by AMO ones.
    """

    lot_number: int
    invoice_number: int
    nir: Nir
    billed_cents: Cents
    paid_cents: Cents
    paid_on: date
    payment_reference: str
    commitment_number: str | None = None


@dataclass(frozen=True, slots=True)
class Reject:
    """An invoice (line_number 0) or one of its lines refused, with the reason as an error key."""

    lot_number: int
    invoice_number: int
    nir: Nir
    reason: str
    line_number: int = 0
    commitment_number: str | None = None


Entry = Union[Payment, Reject]


@dataclass(frozen=True, slots=True)
class ReturnTotals:
    payment_count: int
    reject_count: int
    billed_cents: Cents
    paid_cents: Cents


@dataclass(frozen=True, slots=True)
class ReturnLot:
    """One return file, entries in file order."""

    profile: str
    sender: str
    recipient: Finess
    return_number: int
    created: date
    entries: tuple[Entry, ...]

    @property
    def payments(self) -> tuple[Payment, ...]:
        return tuple(entry for entry in self.entries if isinstance(entry, Payment))

    @property
    def rejects(self) -> tuple[Reject, ...]:
        return tuple(entry for entry in self.entries if isinstance(entry, Reject))

    @property
    def totals(self) -> ReturnTotals:
        payments = self.payments
        return ReturnTotals(len(payments), len(self.rejects), sum(p.billed_cents for p in payments),
                            sum(p.paid_cents for p in payments))


def to_records(lot: ReturnLot, profile: Profile) -> list[RecordValues]:
    if lot.profile != profile.id:
        raise EncodeError(f"return lot is for profile {lot.profile}, not {profile.id}")
    records: list[RecordValues] = [(HEADER, header_values(
        profile, sender=lot.sender, recipient=str(lot.recipient), return_number=lot.return_number, created=lot.created))]
    for entry in lot.entries:
        values = fields_of(entry, exclude=("nir",))
        values.update(nir=entry.nir.body, nir_key=entry.nir.key)
        records.append((PAYMENT if isinstance(entry, Payment) else REJECT, values))
    totals = lot.totals
    records.append((TOTALS, {**fields_of(totals), "record_count": len(records) + 1}))
    return records


def from_records(records: Sequence[DecodedRecord], profile: Profile) -> ReturnLot:
    header = records[0].values
    entries = tuple(
        pick(Payment if record.role == PAYMENT else Reject, record.values,
             nir=Nir(record.values["nir"], record.values["nir_key"]))
        for record in records if record.role in (PAYMENT, REJECT))
    return pick(ReturnLot, header, profile=profile.id, recipient=Finess(header["recipient"]), entries=entries)


CHECKS = (
    partial(checks.finess, role=HEADER, fields=("recipient",)),
    *(partial(checks.nir, role=role) for role in (PAYMENT, REJECT)),
    *(partial(checks.not_zero, role=role, field="invoice_number", code=ProblemCode.INVOICE_NUMBER_ZERO)
      for role in (PAYMENT, REJECT)),
    partial(checks.count_of, trailer=TOTALS, field="payment_count", role=PAYMENT),
    partial(checks.count_of, trailer=TOTALS, field="reject_count", role=REJECT),
    partial(checks.record_count, trailer=TOTALS),
    partial(checks.sum_of, trailer=TOTALS, field="billed_cents", role=PAYMENT),
    partial(checks.sum_of, trailer=TOTALS, field="paid_cents", role=PAYMENT),
)

FAMILY = Family(name="return", value_type=ReturnLot, transitions=TRANSITIONS, to_records=to_records,
                from_records=from_records, checks=CHECKS)
