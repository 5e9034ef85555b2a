"""One consistent set of ROC messages (a day-case MCO stay of a twin with a lunar birth date, covered by a
delegated AMC), for tests, documentation and the profile's samples. Values are fixed: no randomness."""
from __future__ import annotations

from datetime import date, datetime, timezone

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


def header(exchange_id: str = "EX-0001", minute: int = 0) -> Header:
    return Header(
        exchange_id=exchange_id,
        timestamp=datetime(2026, 3, 2, 9, minute, 0, tzinfo=timezone.utc),
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
ATTESTATION = Attestation(
    numero_amc="77500001",
    type_convention="TP",
    critere_secondaire="01",
    numero_adherent="ADH-000123",
    valid_from=date(2026, 1, 1),
    valid_to=date(2026, 12, 31),
    responsable=True,
)
STAY = Stay(
    venue_number="V2026000123",
    domaine=Domaine.MCO,
    mode_traitement="07",
    dmt="320",
    stay_type=StayType.AMBULATOIRE,
    admission_date=date(2026, 3, 2),
    admission_mode="8",
    discharge_date=date(2026, 3, 2),
    discharge_mode="8",
    urgent=False,
)
LINES = (
    PrestationLine(1, "GHS5102", PrestationFamily.GHS, date(2026, 3, 2), date(2026, 3, 2), 1, 65000, 65000, 80, 52000),
    PrestationLine(2, "FJ", PrestationFamily.FORFAIT_JOURNALIER, date(2026, 3, 2), date(2026, 3, 2), 1, 2000, 2000, 0),
    PrestationLine(3, "CP", PrestationFamily.CHAMBRE_PARTICULIERE, date(2026, 3, 2), date(2026, 3, 2), 1, 9000, 0, 0),
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
COVERAGE = Coverage(
    status=RightsStatus.OPEN,
    valid_from=date(2026, 1, 1),
    valid_to=date(2026, 12, 31),
    rules=(
        CoverageRule(PrestationFamily.TICKET_MODERATEUR, rate_pct=100),
        CoverageRule(PrestationFamily.GHS, domaine="MCO", rate_pct=100),
        CoverageRule(PrestationFamily.FORFAIT_JOURNALIER, flat_cents=2000),
        CoverageRule(PrestationFamily.CHAMBRE_PARTICULIERE, domaine="MCO", mode_traitement="07", dmt="320",
                     flat_cents=6000, ceiling_cents=18000),
    ),
    responsable=True,
)


def messages() -> dict[str, object]:
    """One request and one answer per operation, keyed "<operation id>.<request|answer>" ("IDB.request")."""
    endpoints = {
        "IDB": "https://amc.example.invalid/roc/idb",
        "SIM": "https://amc.example.invalid/roc/sim",
        "CLC": "https://amc.example.invalid/roc/clc",
        "ANN": "https://amc.example.invalid/roc/ann",
    }
    return {
        "ANNUAIRE.request": AnnuaireRequest(header("EX-0001"), "77500001", "TP", "01"),
        "ANNUAIRE.answer": AnnuaireAnswer(
            header("EX-0001"), "77500001", "Opérateur Exemple", endpoints, date(2026, 3, 9)
        ),
        "IDB.request": IdbRequest(header("EX-0002", 1), BENEFICIARY, ATTESTATION, STAY),
        "IDB.answer": IdbAnswer(
            header("EX-0002", 1), "IDB-2026-000042", COVERAGE, ("Joindre la copie de l'attestation au dossier",)
        ),
        "SIM.request": SimRequest(header("EX-0003", 2), "IDB-2026-000042", BENEFICIARY, ATTESTATION, STAY, LINES),
        "SIM.answer": SimAnswer(header("EX-0003", 2), QUOTE),
        "CLC.request": ClcRequest(header("EX-0004", 3), "IDB-2026-000042", BENEFICIARY, ATTESTATION, STAY, LINES),
        "CLC.answer": ClcAnswer(header("EX-0004", 3), QUOTE, "ENG-2026-000007", date(2026, 3, 2), date(2026, 6, 30)),
        "ANN.request": CancelRequest(header("EX-0005", 4), "ENG-2026-000007", "Modification des dates du séjour"),
        "ANN.answer": CancelAnswer(header("EX-0005", 4), "ENG-2026-000007", CancelStatus.CANCELLED),
    }
