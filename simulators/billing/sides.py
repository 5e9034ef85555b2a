"""The two payers the intake serves, as a registry: which profiles they read and write, which rules apply."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from simulators.billing import amc_rules, amo_rules
from simulators.billing.decisions import LotContext, Rejection
from simulators.billing_files import Invoice


@dataclass(frozen=True)
class Side:
    name: str  # URL segment and ledger key: amo | amc
    actor: str  # journal actor
    lot_profile: str
    return_profile: str
    payer: str  # ARL sender when the lot header cannot be read
    part: str  # the InvoiceLine amount this payer pays
    check: Callable[[LotContext, Invoice], tuple[Rejection, ...]]
    settle: Callable[[LotContext, Invoice], Rejection | None]

    def commitment(self, invoice: Invoice) -> str | None:
        return invoice.amc.commitment_number if invoice.amc and self.name == "amc" else None


SIDES: dict[str, Side] = {
    "amo": Side("amo", "amo-billing", "bench-b2-1", "bench-noemie-1", "AMO", "amo_cents",
                amo_rules.check_invoice, amo_rules.settle),
    "amc": Side("amc", "amc-billing", "bench-dre-es-1", "bench-rmeh-1", "AMC", "amc_cents",
                amc_rules.check_invoice, amc_rules.settle),
}
