"""The AMO's rules on a B2 invoice: the beneficiary is known, rights are open on the dates of care, amounts.

The file itself (NIR key, totals, structure, signature) was checked before: a lot with any problem got a negative
ARL. Rights come from the session's AMO directory (simulators/amo/rights.py), the same that CDRi answers from.
"""
from __future__ import annotations

from simulators.amo.rights import AmoStatus, amo_directory
from simulators.billing.decisions import LotContext, Rejection
from simulators.billing_files import Invoice

_STATUS_KEYS = {AmoStatus.CLOSED: "rights.closed", AmoStatus.NOT_YET_OPEN: "rights.not_yet_open"}


def check_invoice(ctx: LotContext, invoice: Invoice) -> tuple[Rejection, ...]:
    found = amo_directory(ctx.dataset).lookup(invoice.nir, invoice.birth_date, invoice.rang_naissance)
    if isinstance(found, str):  # the NOEMIE-like profile has one reason for "who is this?"
        return (Rejection("beneficiary.unknown", 0, f"{found}: NIR {invoice.nir}, born {invoice.birth_date}, "
                                                    f"rang {invoice.rang_naissance}"),)
    first = invoice.stay.admission_date if invoice.stay else min(line.start for line in invoice.lines)
    status = found.status_on(first)
    if status is not AmoStatus.OPEN:
        periods = ", ".join(f"{p.start}..{p.end}" for p in found.periods)
        return (Rejection(_STATUS_KEYS[status], 0, f"rights {status.value} on {first} (periods {periods})"),)
    rejections = []
    for line in invoice.lines:
        if not found.covers(line.start, line.end):
            rejections.append(Rejection("rights.closed", line.line_number,
                                        f"line {line.line_number} {line.start}..{line.end} outside the rights"))
        elif line.amo_cents > line.base_cents * line.quantity:
            rejections.append(Rejection("amounts.incoherent", line.line_number,
                                        f"line {line.line_number}: AMO {line.amo_cents} above base × quantity "
                                        f"{line.base_cents * line.quantity}"))
    if rejections and len(rejections) == len(invoice.lines):
        return (Rejection(rejections[0].key, 0, "every line rejected: " + "; ".join(r.detail for r in rejections)),)
    return tuple(rejections)


def settle(ctx: LotContext, invoice: Invoice) -> Rejection | None:
    """Nothing to record at the AMO once an invoice is accepted."""
    return None
