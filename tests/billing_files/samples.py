"""Sample values for every profile, built the way the reference GAP and the simulators will build them."""
from __future__ import annotations

from datetime import date

from simulators.billing_files import (
    Ack, BilledStay, Payment, Problem, ProblemCode, Reject, ReturnLot, b2_lot_from, dre_es_lot_from,
)
from simulators.domain import (
    Attestation, Beneficiary, BirthDate, Domaine, Establishment, Finess, Nir, PrestationFamily, PrestationLine, Stay,
    StayType,
)
from simulators.domain.quotes import LineQuote, Quote

HOSPITAL = Establishment(Finess.with_check_digit("75000001"), Finess.with_check_digit("75000002"), "CHU de Test")
ADULT = Beneficiary(Nir.with_key("1850575123456"), BirthDate.parse("1985-05-17"), 1, "Lefèvre-Œuvray", "Hélène")
TWIN = Beneficiary(Nir.with_key("210002A004012"), BirthDate.parse("2010-00-00"), 2, "Casanova", "Maria")
ATTESTATION = Attestation("12345678", "TP", "01", "ADH000042", date(2026, 1, 1), date(2026, 12, 31))


def _stay(venue: str, stay_type: StayType, admitted: date, discharged: date | None) -> Stay:
    return Stay(venue, Domaine.MCO, "03", "101", stay_type, admitted, "8", discharged, "8" if discharged else None)


def billed_stays() -> list[BilledStay]:
    """A three-day stay (GHS + forfait journalier + chambre particulière) and a twin's external consultation."""
    lines = (
        PrestationLine(1, "GHS1234", PrestationFamily.GHS, date(2026, 3, 2), date(2026, 3, 5), 1, 250000, 250000, 80),
        PrestationLine(2, "FJ", PrestationFamily.FORFAIT_JOURNALIER, date(2026, 3, 2), date(2026, 3, 5), 3, 2000, 2000, 0),
        PrestationLine(3, "CP", PrestationFamily.CHAMBRE_PARTICULIERE, date(2026, 3, 2), date(2026, 3, 5), 3, 4500, 0, 0),
    )
    quote = Quote((LineQuote(1, 250000, 250000, 200000, 50000, 0), LineQuote(2, 6000, 6000, 0, 6000, 0),
                   LineQuote(3, 13500, 0, 0, 9000, 4500)), 269500, 200000, 65000, 4500)
    ace_lines = (PrestationLine(1, "CS", PrestationFamily.TICKET_MODERATEUR, date(2026, 3, 3), date(2026, 3, 3), 1,
                                3000, 3000, 70),)
    ace_quote = Quote((LineQuote(1, 3000, 3000, 2100, 899, 1),), 3000, 2100, 899, 1)
    return [
        BilledStay(ADULT, _stay("V0000001", StayType.HOSPITALISATION_COMPLETE, date(2026, 3, 2), date(2026, 3, 5)),
                   lines, quote, 1001, commitment_number="ENG-2026-000001", attestation=ATTESTATION),
        BilledStay(TWIN, _stay("V0000002", StayType.ACE, date(2026, 3, 3), date(2026, 3, 3)), ace_lines, ace_quote,
                   1002, commitment_number="ENG-2026-000002", attestation=ATTESTATION, rang_beneficiaire=2),
    ]


def sample_b2_lot():
    return b2_lot_from(billed_stays(), HOSPITAL, 7, recipient="011751234", created=date(2026, 3, 10))


def sample_dre_es_lot():
    return dre_es_lot_from(billed_stays(), HOSPITAL, 8, created=date(2026, 3, 10))


def sample_ack(accepted: bool = False) -> Ack:
    problems = () if accepted else (
        Problem(ProblemCode.INVOICE_NUMBER_ZERO, "INVOICE_NUMBER MUST NOT BE ZERO", 2, "2", 30, "invoice_number"),
        Problem(ProblemCode.TRUNCATED, "FILE ENDS INSIDE RECORD 9", 9, "999", 81),
    )
    return Ack("bench-arl-1", "011751234", date(2026, 3, 11), accepted, str(HOSPITAL.finess_juridique), "BENCH-B2-1", 7,
               "A" * 64, problems)


def sample_returns(profile: str) -> ReturnLot:
    amc = profile == "bench-rmeh-1"
    commitment = "ENG-2026-000001" if amc else None
    sender = "12345678" if amc else "011751234"
    return ReturnLot(profile, sender, HOSPITAL.finess_juridique, 42, date(2026, 4, 2), (
        Payment(7, 1001, ADULT.nir, 65000, 56000, date(2026, 4, 1), "VIR2026040100001", commitment),
        Reject(7, 1001, ADULT.nir, "coverage.line_not_covered", 3, commitment),
        Reject(7, 1002, TWIN.nir, "rights.closed", 0, "ENG-2026-000002" if amc else None),
    ))


SAMPLES = {
    "bench-b2-1": sample_b2_lot,
    "bench-dre-es-1": sample_dre_es_lot,
    "bench-arl-1": sample_ack,
    "bench-noemie-1": lambda: sample_returns("bench-noemie-1"),
    "bench-rmeh-1": lambda: sample_returns("bench-rmeh-1"),
}


def record_number(data: bytes, code: str, nth: int = 1) -> int:
    """The 1-based number of the nth record of type `code` in a well-formed file."""
    found = [number for number, record in enumerate(data.split(b"\r\n"), start=1)
             if record[:3].decode("latin-1").rstrip() == code]
    return found[nth - 1]
