"""Invoice lot files: Lot ⇄ records, and the rules a lot file obeys (counts, totals, signature, numbers, NIR).

Grammar: lot_header, then per invoice one invoice record, an optional stay record and one or more line
records, then the lot_trailer.
"""
from __future__ import annotations

from functools import partial
from typing import Iterable, Sequence

from simulators.domain.contracts import PrestationFamily
from simulators.domain.identifiers import Finess, Nir
from simulators.domain.stays import Domaine, Stay, StayType
from simulators.billing_files import checks
from simulators.billing_files.family import Family, FileView, RecordValues, fields_of, header_values, pick
from simulators.billing_files.invoices import AmcReference, Invoice, InvoiceLine, Lot
from simulators.billing_files.problems import EncodeError, Problem, ProblemCode
from simulators.billing_files.profiles import Profile
from simulators.billing_files.records import END, DecodedRecord

HEADER, INVOICE, STAY, LINE, TRAILER = "lot_header", "invoice", "stay", "line", "lot_trailer"
AMOUNTS = ("total_cents", "amo_cents", "amc_cents", "patient_cents")

TRANSITIONS = {
    None: frozenset({HEADER}),
    HEADER: frozenset({INVOICE}),
    INVOICE: frozenset({STAY, LINE}),
    STAY: frozenset({LINE}),
    LINE: frozenset({LINE, INVOICE, TRAILER}),
    TRAILER: frozenset({END}),
}


def to_records(lot: Lot, profile: Profile) -> list[RecordValues]:
    if lot.profile != profile.id:
        raise EncodeError(f"lot is for profile {lot.profile}, not {profile.id}")
    records: list[RecordValues] = [(HEADER, header_values(
        profile, finess_juridique=str(lot.finess_juridique), finess_geographique=str(lot.finess_geographique),
        recipient=lot.recipient, lot_number=lot.lot_number, created=lot.created))]
    for sequence, invoice in enumerate(lot.invoices, start=1):
        values = fields_of(invoice, exclude=("nir", "lines", "stay", "amc"))
        values.update(invoice_sequence=sequence, nir=invoice.nir.body, nir_key=invoice.nir.key)
        if invoice.amc is not None:
            values.update(fields_of(invoice.amc))
        records.append((INVOICE, values))
        if invoice.stay is not None:
            if invoice.stay.venue_number != invoice.entry_number:
                raise EncodeError(f"invoice {invoice.invoice_number}: stay venue {invoice.stay.venue_number!r} is not "
                                  f"the entry number {invoice.entry_number!r}")
            records.append((STAY, {**fields_of(invoice.stay, exclude=("venue_number",)), "invoice_sequence": sequence}))
        if not invoice.lines:
            raise EncodeError(f"invoice {invoice.invoice_number} has no line")
        records.extend((LINE, {**fields_of(line), "invoice_sequence": sequence}) for line in invoice.lines)
    totals = lot.totals
    records.append((TRAILER, {
        "lot_number": lot.lot_number, "invoice_count": lot.invoice_count, "record_count": len(records) + 1,
        **{name: getattr(totals, name) for name in AMOUNTS}}))
    return records


def from_records(records: Sequence[DecodedRecord], profile: Profile) -> Lot:
    header = records[0].values
    invoices: list[tuple[dict, Stay | None, list[InvoiceLine]]] = []
    for record in records[1:]:
        values = record.values
        if record.role == INVOICE:
            invoices.append((dict(values), None, []))
        elif record.role == STAY:
            stay = pick(Stay, values, venue_number=invoices[-1][0]["entry_number"], domaine=Domaine(values["domaine"]),
                        stay_type=StayType(values["stay_type"]))
            invoices[-1] = (invoices[-1][0], stay, invoices[-1][2])
        elif record.role == LINE:
            invoices[-1][2].append(pick(InvoiceLine, values, family=PrestationFamily(values["family"])))
    return Lot(profile=profile.id, lot_number=header["lot_number"],
               finess_juridique=Finess(header["finess_juridique"]),
               finess_geographique=Finess(header["finess_geographique"]),
               recipient=header["recipient"], created=header["created"],
               invoices=tuple(_invoice(values, stay, lines) for values, stay, lines in invoices))


def _invoice(values: dict, stay: Stay | None, lines: list[InvoiceLine]) -> Invoice:
    amc = pick(AmcReference, values) if "commitment_number" in values else None
    return pick(Invoice, values, nir=Nir(values["nir"], values["nir_key"]), stay=stay, lines=tuple(lines), amc=amc)


def sequence(view: FileView) -> Iterable[Problem]:
    """Invoices are numbered 1, 2, 3… in the lot; stay and line records carry their invoice's number."""
    current = 0
    for record in view.records:
        if record.role == INVOICE:
            current += 1
        found = record.values.get("invoice_sequence")
        if found is None or found == current:
            continue
        what = "invoice" if record.role == INVOICE else f"{record.role} of invoice {current}"
        yield record.problem(ProblemCode.BAD_SEQUENCE, "invoice_sequence", f"expected {current} ({what}), received {found}")


def parts(view: FileView) -> Iterable[Problem]:
    """On every line, AMO part + AMC part + patient part = total, to the cent."""
    for record in view.of(LINE):
        amounts = [record.values.get(name) for name in AMOUNTS]
        if None in amounts:
            continue
        total, amo, amc, patient = amounts
        if amo + amc + patient != total:
            yield record.problem(ProblemCode.PARTS_MISMATCH, "total_cents",
                                 f"expected {amo + amc + patient} (AMO {amo} + AMC {amc} + patient {patient}), received {total}")


CHECKS = (
    partial(checks.finess, role=HEADER, fields=("finess_juridique", "finess_geographique")),
    partial(checks.same_value, first=HEADER, second=TRAILER, field="lot_number", code=ProblemCode.LOT_NUMBER_MISMATCH),
    sequence,
    partial(checks.nir, role=INVOICE),
    partial(checks.not_zero, role=INVOICE, field="invoice_number", code=ProblemCode.INVOICE_NUMBER_ZERO),
    partial(checks.unique, role=INVOICE, field="invoice_number", code=ProblemCode.DUPLICATE_INVOICE_NUMBER),
    parts,
    partial(checks.count_of, trailer=TRAILER, field="invoice_count", role=INVOICE),
    partial(checks.record_count, trailer=TRAILER),
    *(partial(checks.sum_of, trailer=TRAILER, field=name, role=LINE) for name in AMOUNTS),
    checks.signature,
)

FAMILY = Family(name="invoice", value_type=Lot, transitions=TRANSITIONS, to_records=to_records,
                from_records=from_records, checks=CHECKS)
