"""The AMC's rules on a DRE-ES invoice: it quotes an active commitment of this establishment, patient and AMC,
and its amounts and dates are those of the CLC. Settling marks the commitment invoiced (compare-and-set)."""
from __future__ import annotations

from datetime import date, timedelta

from simulators.amc.rules import COMMITMENT_VALIDITY_DAYS
from simulators.billing.decisions import LotContext, Rejection
from simulators.billing_files import Invoice
from simulators.store import Commitment

_STATUS_KEYS = {"cancelled": "commitment.already_cancelled", "invoiced": "commitment.already_invoiced"}
_AMOUNTS = ("total_cents", "amo_cents", "amc_cents", "patient_cents")


def _commitment(ctx: LotContext, invoice: Invoice) -> Commitment | Rejection:
    reference = invoice.amc
    number = reference.commitment_number if reference else ""
    found = ctx.store.commitment(ctx.session, number) if number else None
    if found is None:
        return Rejection("commitment.unknown", 0, f"no commitment {number!r}")
    lot = ctx.lot
    owners = {str(lot.finess_geographique), str(lot.finess_juridique)}
    mismatch = [what for what, ok in (
        (f"FINESS {found.finess} not the lot's {sorted(owners)}", found.finess in owners),
        (f"NIR {found.nir} not the invoice's {invoice.nir}", found.nir == str(invoice.nir)),
        (f"AMC {found.numero_amc} not the invoice's {reference.numero_amc} / lot's {lot.recipient}",
         found.numero_amc == reference.numero_amc == lot.recipient),
    ) if not ok]
    if mismatch:
        return Rejection("commitment.unknown", 0, f"commitment {number} is another stay's: {'; '.join(mismatch)}")
    if found.status in _STATUS_KEYS:
        return Rejection(_STATUS_KEYS[found.status], 0, f"commitment {number} is {found.status}")
    return found


def _amounts(commitment: Commitment, invoice: Invoice) -> str | None:
    quoted = {line["line_number"]: line for line in commitment.quote.get("lines", [])}
    billed = {line.line_number: line for line in invoice.lines}
    if sorted(quoted) != sorted(billed):
        return f"lines {sorted(billed)} differ from the CLC's {sorted(quoted)}"
    for number, line in sorted(billed.items()):
        for name in _AMOUNTS:
            if getattr(line, name) != quoted[number][name]:
                return f"line {number} {name}: expected {quoted[number][name]} (CLC), received {getattr(line, name)}"
    return None


def _dates(ctx: LotContext, commitment: Commitment, invoice: Invoice) -> str | None:
    admission = date.fromisoformat(commitment.valid_from)
    valid_to = date.fromisoformat(commitment.valid_to)
    discharge = valid_to - timedelta(days=COMMITMENT_VALIDITY_DAYS)
    stay = invoice.stay
    if stay is not None and (stay.admission_date, stay.discharge_date) != (admission, discharge):
        return (f"stay {stay.admission_date}..{stay.discharge_date}: expected {admission}..{discharge} (CLC)")
    for line in invoice.lines:
        if line.start < admission or line.end > discharge:
            return f"line {line.line_number} {line.start}..{line.end} outside the CLC's stay {admission}..{discharge}"
    if ctx.lot.created > valid_to:
        return f"lot created {ctx.lot.created}, after the commitment's end of validity {valid_to}"
    return None


def check_invoice(ctx: LotContext, invoice: Invoice) -> tuple[Rejection, ...]:
    found = _commitment(ctx, invoice)
    if isinstance(found, Rejection):
        return (found,)
    if (why := _amounts(found, invoice)) is not None:
        return (Rejection("amounts.incoherent", 0, why),)
    if (why := _dates(ctx, found, invoice)) is not None:
        return (Rejection("dates.incoherent", 0, why),)
    return ()


def settle(ctx: LotContext, invoice: Invoice) -> Rejection | None:
    """Active → invoiced, atomically: a concurrent invoice or cancellation makes this one fail with its key."""
    number = invoice.amc.commitment_number if invoice.amc else ""
    if ctx.store.change_commitment_status(ctx.session, number, expected="active", new="invoiced"):
        return None
    current = ctx.store.commitment(ctx.session, number)
    status = current.status if current else "gone"
    return Rejection(_STATUS_KEYS.get(status, "commitment.unknown"), 0, f"commitment {number} became {status}")
