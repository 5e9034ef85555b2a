"""What a payer decides on each invoice of an accepted lot, and the return file those decisions make."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from simulators.billing.behaviours import BillingPolicy
from simulators.billing_files import Invoice, Lot, Payment, Reject
from simulators.domain.identifiers import Nir

if TYPE_CHECKING:
    from simulators.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Rejection:
    """One reject: an error key (docs/error-keys.md), the line (0 = the whole invoice), and why, for the journal."""

    key: str
    line_number: int = 0
    detail: str = ""


@dataclass(frozen=True)
class LotContext:
    """What the rules of one lot see."""

    runtime: "Runtime"
    session: str
    lot: Lot
    lot_id: int
    received: date
    policy: BillingPolicy = field(default_factory=BillingPolicy)

    @property
    def store(self):
        return self.runtime.store

    @cached_property
    def dataset(self):
        return self.runtime.dataset(self.session)

    @cached_property
    def seed(self) -> int:
        info = self.store.session(self.session)
        return info.seed if info else self.runtime.settings.seed


@dataclass(frozen=True, slots=True)
class InvoiceDecision:
    """The payer's verdict on one invoice: paid in full, partly (some lines rejected) or rejected as a whole."""

    invoice_number: int
    nir: Nir
    billed_cents: int  # the part of the invoice this payer was asked for
    paid_cents: int
    rejections: tuple[Rejection, ...] = ()
    commitment_number: str | None = None

    @property
    def status(self) -> str:
        if any(r.line_number == 0 for r in self.rejections):
            return "rejected"
        return "partial" if self.rejections else "paid"

    def entries(self, lot_number: int, paid_on: date, reference: str) -> tuple[Payment | Reject, ...]:
        """The return records: a payment unless rejected as a whole, then one reject per rejection."""
        entries: list[Payment | Reject] = []
        if self.status != "rejected":
            entries.append(Payment(lot_number, self.invoice_number, self.nir, self.billed_cents, self.paid_cents,
                                   paid_on, reference, self.commitment_number))
        entries.extend(Reject(lot_number, self.invoice_number, self.nir, r.key, r.line_number, self.commitment_number)
                       for r in self.rejections)
        return tuple(entries)

    def to_dict(self) -> dict[str, Any]:
        return {"invoice_number": self.invoice_number, "nir": str(self.nir), "status": self.status,
                "billed_cents": self.billed_cents, "paid_cents": self.paid_cents,
                "commitment_number": self.commitment_number,
                "rejections": [{"key": r.key, "line_number": r.line_number, "detail": r.detail}
                               for r in self.rejections]}


def decide(invoice: Invoice, part: str, rejections: tuple[Rejection, ...], commitment: str | None) -> InvoiceDecision:
    """Amounts of the decision: billed is the payer's part of every line, paid leaves out rejected lines."""
    billed = sum(getattr(line, part) for line in invoice.lines)
    if any(r.line_number == 0 for r in rejections):
        paid = 0
        rejections = tuple(r for r in rejections if r.line_number == 0)[:1]  # one reason for a whole reject
    else:
        rejected = {r.line_number for r in rejections}
        paid = sum(getattr(line, part) for line in invoice.lines if line.line_number not in rejected)
    return InvoiceDecision(invoice.invoice_number, invoice.nir, billed, paid, rejections, commitment)
