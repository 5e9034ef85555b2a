"""Lots from the domain: a priced stay (Stay, PrestationLine, Quote) becomes an invoice of a B2 or DRE-ES lot.

Text is transliterated to upper-case ASCII here (names are cut to the field, identifiers are refused when too
long); amounts come from the quote, whose three parts must add up to each line's total to the cent.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from simulators.domain.contracts import Attestation
from simulators.domain.people import Beneficiary
from simulators.domain.quotes import LineQuote, Quote
from simulators.domain.stays import Establishment, PrestationLine, Stay
from simulators.billing_files.invoices import AmcReference, Invoice, InvoiceLine, Lot
from simulators.billing_files.profiles import Profile, get_profile
from simulators.billing_files.text import file_text

B2_PROFILE = "bench-b2-1"
DRE_ES_PROFILE = "bench-dre-es-1"


@dataclass(frozen=True, slots=True)
class BilledStay:
    """One stay to invoice: the patient, the stay, its lines and their pricing, and the invoice number.

    DRE-ES invoices also need the CLC `commitment_number` and the `attestation` (numéro AMC, adhérent).
    `rang_beneficiaire` is the AMO rank of the patient on the insured person's rights [I: 1 = the insured].
    The invoice carries the patient's own NIR [I].
    """

    beneficiary: Beneficiary
    stay: Stay
    lines: tuple[PrestationLine, ...]
    quote: Quote
    invoice_number: int
    commitment_number: str | None = None
    attestation: Attestation | None = None
    rang_beneficiaire: int = 1


def b2_lot_from(stays: Sequence[BilledStay], establishment: Establishment, lot_number: int, *, recipient: str,
                created: date, profile: str = B2_PROFILE) -> Lot:
    """An AMO invoice lot; `recipient` is the AMO organisme (régime, caisse, centre: 9 characters)."""
    target = get_profile(profile)
    return Lot(profile=target.id, lot_number=lot_number, finess_juridique=establishment.finess_juridique,
               finess_geographique=establishment.finess_geographique, recipient=_ident(target, "lot_header", "recipient", recipient),
               created=created, invoices=tuple(_invoice(target, billed, amc=False) for billed in stays))


def dre_es_lot_from(stays: Sequence[BilledStay], establishment: Establishment, lot_number: int, *, created: date,
                    recipient: str | None = None, profile: str = DRE_ES_PROFILE) -> Lot:
    """An AMC invoice lot, each invoice quoting its commitment; `recipient` defaults to the attestations'
    numéro AMC, which every stay of the lot must share."""
    target = get_profile(profile)
    invoices = tuple(_invoice(target, billed, amc=True) for billed in stays)
    numbers = {invoice.amc.numero_amc for invoice in invoices if invoice.amc}
    recipient = recipient if recipient is not None else (numbers.pop() if len(numbers) == 1 else None)
    if recipient is None or any(number != file_text(recipient) for number in numbers):
        raise ValueError(f"an AMC lot goes to one AMC: the stays name {sorted(numbers)}, recipient {recipient!r}")
    return Lot(profile=target.id, lot_number=lot_number, finess_juridique=establishment.finess_juridique,
               finess_geographique=establishment.finess_geographique, recipient=_ident(target, "lot_header", "recipient", recipient),
               created=created, invoices=invoices)


def _ident(profile: Profile, role: str, field: str, text: str) -> str:
    return file_text(text, profile.record(role).field(field).length, truncate=False)


def _name(profile: Profile, field: str, text: str) -> str:
    return file_text(text, profile.record("invoice").field(field).length)


def _invoice(profile: Profile, billed: BilledStay, *, amc: bool) -> Invoice:
    where = f"invoice {billed.invoice_number}"
    person, stay = billed.beneficiary, billed.stay
    entry_number = _ident(profile, "invoice", "entry_number", stay.venue_number)
    reference = None
    if amc:
        if not billed.commitment_number or billed.attestation is None:
            raise ValueError(f"{where}: an AMC invoice needs the CLC commitment number and the attestation")
        reference = AmcReference(
            commitment_number=_ident(profile, "invoice", "commitment_number", billed.commitment_number),
            numero_amc=_ident(profile, "invoice", "numero_amc", billed.attestation.numero_amc),
            numero_adherent=_ident(profile, "invoice", "numero_adherent", billed.attestation.numero_adherent))
    return Invoice(
        invoice_number=billed.invoice_number, nir=person.nir, rang_beneficiaire=billed.rang_beneficiaire,
        rang_naissance=person.rang_naissance, birth_date=person.birth_date,
        last_name=_name(profile, "last_name", person.last_name), first_name=_name(profile, "first_name", person.first_name),
        entry_number=entry_number, stay=_stay(profile, stay, entry_number), lines=_lines(profile, billed, where), amc=reference)


def _stay(profile: Profile, stay: Stay, entry_number: str) -> Stay:
    def ident(field: str, text: str | None) -> str | None:
        return _ident(profile, "stay", field, text) if text else None

    return dataclasses.replace(
        stay, venue_number=entry_number, mode_traitement=ident("mode_traitement", stay.mode_traitement),
        dmt=ident("dmt", stay.dmt), admission_mode=ident("admission_mode", stay.admission_mode),
        discharge_mode=ident("discharge_mode", stay.discharge_mode))


def _lines(profile: Profile, billed: BilledStay, where: str) -> tuple[InvoiceLine, ...]:
    quoted = {line.line_number: line for line in billed.quote.lines}
    billed_numbers = [line.line_number for line in billed.lines]
    if sorted(quoted) != sorted(billed_numbers) or len(set(billed_numbers)) != len(billed_numbers):
        raise ValueError(f"{where}: quote lines {sorted(quoted)} do not match the billed lines {billed_numbers}")
    lines = tuple(_line(profile, line, quoted[line.line_number], where) for line in billed.lines)
    quote = billed.quote
    sums = tuple(sum(getattr(line, name) for line in lines) for name in ("total_cents", "amo_cents", "amc_cents", "patient_cents"))
    if sums != (quote.total_cents, quote.amo_cents, quote.amc_cents, quote.patient_cents):
        raise ValueError(f"{where}: quote totals {quote.total_cents}/{quote.amo_cents}/{quote.amc_cents}/"
                         f"{quote.patient_cents} differ from the sum of its lines {'/'.join(map(str, sums))}")
    return lines


def _line(profile: Profile, line: PrestationLine, quote: LineQuote, where: str) -> InvoiceLine:
    if quote.amo_cents + quote.amc_cents + quote.patient_cents != quote.total_cents:
        raise ValueError(f"{where} line {line.line_number}: AMO {quote.amo_cents} + AMC {quote.amc_cents} + patient "
                         f"{quote.patient_cents} differ from the total {quote.total_cents}")
    return InvoiceLine(line_number=line.line_number, code=_ident(profile, "line", "code", line.code), family=line.family,
                       start=line.start, end=line.end, quantity=line.quantity, unit_price_cents=line.unit_price_cents,
                       base_cents=line.base_cents, amo_rate_pct=line.amo_rate_pct, total_cents=quote.total_cents,
                       amo_cents=quote.amo_cents, amc_cents=quote.amc_cents, patient_cents=quote.patient_cents)
