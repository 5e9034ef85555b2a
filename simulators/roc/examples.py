"""One consistent set of ROC messages (a day-case MCO stay of a twin with a lunar birth date, covered by a
delegated AMC), for tests, documentation and the profile's samples. No randomness: every date follows from the
day of the stay (`messages(day)`, the clock's today by default), so the set is consistent on any day. The
profile's samples are this set rendered for the day in their own headers."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from simulators import clock
from simulators.domain.contracts import Attestation, Contact, CoverageRule, PrestationFamily
from simulators.domain.identifiers import Finess, Nir
from simulators.domain.people import Beneficiary, BirthDate
from simulators.domain.quotes import Coverage, LineQuote, Quote, RightsStatus
from simulators.domain.stays import Domaine, PrestationLine, Stay, StayType
from simulators.roc.messages import (
    AnnuaireAnswer,
    AnnuaireRequest,
    CancelAnswer,
    CancelRequest,
    CancelStatus,
    ClcAnswer,
    ClcRequest,
    Header,
    IdbAnswer,
    IdbRequest,
    SimAnswer,
    SimRequest,
)

FINESS_JURIDIQUE = str(Finess.with_check_digit("75000001"))
FINESS_GEOGRAPHIQUE = str(Finess.with_check_digit("75000002"))
AMC_CONTACT = Contact("Plateforme ROC Mutuelle Exemple", "+33 1 23 45 67 89", "roc@mutuelle-exemple.invalid")


def header(exchange_id: str = "EX-0001", minute: int = 0, day: date | None = None) -> Header:
    """The header of the example exchanges: sent at 09:<minute> UTC on the stay's day."""
    return Header(
        exchange_id=exchange_id,
        timestamp=datetime.combine(day or clock.today(), time(9, minute), timezone.utc),
        finess_juridique=FINESS_JURIDIQUE,
        finess_geographique=FINESS_GEOGRAPHIQUE,
        software="simphonie-bench GAP",
        software_version="0.1.0",
        profile="bench-roc-1",
    )


BENEFICIARY = Beneficiary(
    nir=Nir.with_key("2850775123456"),
    birth_date=BirthDate(1985, 7, 0),
    rang_naissance=2,
    last_name="Dupont-Lefèvre",
    first_name="Élise",
    insured_nir=Nir.with_key("1830275123457"),
)
def attestation(day: date) -> Attestation:
    """Printed for the calendar year of the stay."""
    return Attestation(
        numero_amc="77500001",
        type_convention="TP",
        critere_secondaire="01",
        numero_adherent="ADH-000123",
        valid_from=date(day.year, 1, 1),
        valid_to=date(day.year, 12, 31),
        responsable=True,
    )


def stay(day: date) -> Stay:
    """A day case (ambulatoire): admitted and discharged on `day`."""
    return Stay(
        venue_number="V2026000123",
        domaine=Domaine.MCO,
        mode_traitement="07",
        dmt="320",
        stay_type=StayType.AMBULATOIRE,
        admission_date=day,
        admission_mode="8",
        discharge_date=day,
        discharge_mode="8",
        urgent=False,
    )


def lines(day: date) -> tuple[PrestationLine, ...]:
    return (
        PrestationLine(1, "GHS5102", PrestationFamily.GHS, day, day, 1, 65000, 65000, 80, 52000),
        PrestationLine(2, "FJ", PrestationFamily.FORFAIT_JOURNALIER, day, day, 1, 2000, 2000, 0),
        PrestationLine(3, "CP", PrestationFamily.CHAMBRE_PARTICULIERE, day, day, 1, 9000, 0, 0),
    )


QUOTE = Quote(
    lines=(
        LineQuote(1, 65000, 65000, 52000, 13000, 0),
        LineQuote(2, 2000, 2000, 0, 2000, 0),
        LineQuote(3, 9000, 0, 0, 0, 9000, refusal="coverage.ceiling_reached"),
    ),
    total_cents=76000,
    amo_cents=52000,
    amc_cents=15000,
    patient_cents=9000,
)
RULES = (
    CoverageRule(PrestationFamily.TICKET_MODERATEUR, rate_pct=100),
    CoverageRule(PrestationFamily.GHS, domaine="MCO", rate_pct=100),
    CoverageRule(PrestationFamily.FORFAIT_JOURNALIER, flat_cents=2000),
    CoverageRule(PrestationFamily.CHAMBRE_PARTICULIERE, domaine="MCO", mode_traitement="07", dmt="320",
                 flat_cents=6000, ceiling_cents=18000),
)
ROUTE_VALIDITY = timedelta(days=7)  # how long the example annuaire answer may be cached
COMMITMENT_VALIDITY = timedelta(days=120)  # the example commitment runs from the stay to this many days after


def coverage(day: date) -> Coverage:
    return Coverage(status=RightsStatus.OPEN, valid_from=date(day.year, 1, 1), valid_to=date(day.year, 12, 31),
                    rules=RULES, responsable=True)


def messages(day: date | None = None) -> dict[str, object]:
    """One request and one answer per operation, keyed "<operation id>.<request|answer>" ("IDB.request"), for a
    stay on `day` (default: the clock's today)."""
    day = day or clock.today()
    att, the_stay, the_lines = attestation(day), stay(day), lines(day)
    idb, commitment = f"IDB-{day.year}-000042", f"ENG-{day.year}-000007"
    endpoints = {
        "IDB": "https://amc.example.invalid/roc/idb",
        "SIM": "https://amc.example.invalid/roc/sim",
        "CLC": "https://amc.example.invalid/roc/clc",
        "ANN": "https://amc.example.invalid/roc/ann",
    }
    return {
        "ANNUAIRE.request": AnnuaireRequest(header("EX-0001", day=day), "77500001", "TP", "01"),
        "ANNUAIRE.answer": AnnuaireAnswer(
            header("EX-0001", day=day), "77500001", "Opérateur Exemple", endpoints, day + ROUTE_VALIDITY
        ),
        "IDB.request": IdbRequest(header("EX-0002", 1, day), BENEFICIARY, att, the_stay),
        "IDB.answer": IdbAnswer(
            header("EX-0002", 1, day), idb, coverage(day), ("Joindre la copie de l'attestation au dossier",)
        ),
        "SIM.request": SimRequest(header("EX-0003", 2, day), idb, BENEFICIARY, att, the_stay, the_lines),
        "SIM.answer": SimAnswer(header("EX-0003", 2, day), QUOTE),
        "CLC.request": ClcRequest(header("EX-0004", 3, day), idb, BENEFICIARY, att, the_stay, the_lines),
        "CLC.answer": ClcAnswer(header("EX-0004", 3, day), QUOTE, commitment, day, day + COMMITMENT_VALIDITY),
        "ANN.request": CancelRequest(header("EX-0005", 4, day), commitment, "Modification des dates du séjour"),
        "ANN.answer": CancelAnswer(header("EX-0005", 4, day), commitment, CancelStatus.CANCELLED),
    }
