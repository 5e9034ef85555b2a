"""The ROC records: for each dataclass, its fields in the order of the profile XSD and how each is written.

Element names are not here (they come from the profile's mapping.yaml); only order, kinds and optionality are.
"""
from __future__ import annotations

from typing import Any

from simulators.domain.contracts import Attestation, CoverageRule, PrestationFamily
from simulators.domain.identifiers import Nir
from simulators.domain.people import Beneficiary
from simulators.domain.quotes import Coverage, LineQuote, Quote, RightsStatus
from simulators.domain.stays import Domaine, PrestationLine, Stay, StayType
from simulators.roc.codec import Field, Record, register, register_record_codecs
from simulators.roc.kinds import BIRTH_DATE, BOOL, CENTS, DATE, DATETIME, ERROR_KEY, INT, SERVICE, TEXT, TOKEN, code
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


def _kwargs(cls: type):
    return lambda values: cls(**values)


def _nir(values: dict[str, Any]) -> Nir:
    """Read without checking the key: a wrong key is the AMC's beneficiary.nir_key_invalid, not a parse error."""
    return Nir(values.pop("nir").upper(), int(values.pop("nir_key")))


def _beneficiary(values: dict[str, Any]) -> Beneficiary:
    nir = _nir(values)
    return Beneficiary(nir=nir, insured_nir=values.pop("insured"), **values)


def _nir_fields(nir_of) -> tuple[Field, ...]:
    """The NIR body and its key, two elements read from one Nir value."""
    return (
        Field("nir", TOKEN, get=lambda o: nir_of(o).body),
        Field("nir_key", TOKEN, get=lambda o: f"{nir_of(o).key:02d}"),
    )


register(Record("InsuredPerson", _nir_fields(lambda nir: nir), _nir))

register(
    Record(
        "Header",
        (
            Field("exchange_id", TOKEN),
            Field("timestamp", DATETIME),
            Field("finess_juridique", TOKEN, get=lambda h: str(h.finess_juridique)),
            Field("finess_geographique", TOKEN, get=lambda h: str(h.finess_geographique)),
            Field("software", TEXT),
            Field("software_version", TEXT),
            Field("profile", TOKEN),
        ),
        _kwargs(Header),
    )
)

register(
    Record(
        "Beneficiary",
        (
            *_nir_fields(lambda b: b.nir),
            Field("birth_date", BIRTH_DATE),
            Field("rang_naissance", INT),
            Field("last_name", TEXT),
            Field("first_name", TEXT),
            Field("insured", "InsuredPerson", get=lambda b: b.insured_nir, optional=True),
        ),
        _beneficiary,
    )
)

register(
    Record(
        "Attestation",
        (
            Field("numero_amc", TOKEN),
            Field("type_convention", TOKEN),
            Field("critere_secondaire", TOKEN),
            Field("numero_adherent", TOKEN),
            Field("valid_from", DATE),
            Field("valid_to", DATE),
            Field("responsable", BOOL),
        ),
        _kwargs(Attestation),
    )
)

register(
    Record(
        "Stay",
        (
            Field("venue_number", TOKEN),
            Field("domaine", code("domaine", Domaine)),
            Field("mode_traitement", TOKEN),
            Field("dmt", TOKEN),
            Field("stay_type", code("stay_type", StayType)),
            Field("admission_date", DATE),
            Field("admission_mode", TOKEN),
            Field("discharge_date", DATE, optional=True),
            Field("discharge_mode", TOKEN, optional=True),
            Field("urgent", BOOL),
        ),
        _kwargs(Stay),
    )
)

register(
    Record(
        "PrestationLine",
        (
            Field("line_number", INT),
            Field("code", TOKEN),
            Field("family", code("family", PrestationFamily)),
            Field("start", DATE),
            Field("end", DATE),
            Field("quantity", INT),
            Field("unit_price_cents", CENTS, error_key="amounts.incoherent"),
            Field("base_cents", CENTS, error_key="amounts.incoherent"),
            Field("amo_rate_pct", INT),
            Field("amo_cents", CENTS, optional=True, error_key="amounts.incoherent"),
        ),
        _kwargs(PrestationLine),
    )
)

register(
    Record(
        "CoverageRule",
        (
            Field("family", code("family", PrestationFamily)),
            Field("domaine", code("domaine"), optional=True),
            Field("mode_traitement", TOKEN, optional=True),
            Field("dmt", TOKEN, optional=True),
            Field("rate_pct", INT, optional=True),
            Field("flat_cents", CENTS, optional=True),
            Field("ceiling_cents", CENTS, optional=True),
        ),
        _kwargs(CoverageRule),
    )
)

register(
    Record(
        "Coverage",
        (
            Field("status", code("rights_status", RightsStatus)),
            Field("valid_from", DATE),
            Field("valid_to", DATE),
            Field("responsable", BOOL),
            Field("rules", "CoverageRule", repeated=True),
            Field("refusal", ERROR_KEY, optional=True),
        ),
        _kwargs(Coverage),
    )
)

register(
    Record(
        "LineQuote",
        (
            Field("line_number", INT),
            Field("total_cents", CENTS),
            Field("base_total_cents", CENTS),
            Field("amo_cents", CENTS),
            Field("amc_cents", CENTS),
            Field("patient_cents", CENTS),
            Field("refusal", ERROR_KEY, optional=True),
        ),
        _kwargs(LineQuote),
    )
)

register(
    Record(
        "QuoteTotals",
        (
            Field("total_cents", CENTS),
            Field("amo_cents", CENTS),
            Field("amc_cents", CENTS),
            Field("patient_cents", CENTS),
        ),
        dict,
    )
)

register(
    Record(
        "Quote",
        (
            Field("lines", "LineQuote", repeated=True),
            Field("totals", "QuoteTotals", get=lambda q: q, flatten=True),
        ),
        _kwargs(Quote),
    )
)

register(
    Record(
        "Endpoint",  # one (service id, url) pair of AnnuaireAnswer.endpoints
        (Field("service", SERVICE, get=lambda pair: pair[0]), Field("url", TOKEN, get=lambda pair: pair[1])),
        lambda values: (values["service"], values["url"]),
    )
)


# messages ---------------------------------------------------------------------------------------------------
_HEADER = Field("header", "Header")


def _answer_endpoints(values: dict[str, Any]) -> AnnuaireAnswer:
    values["endpoints"] = dict(values["endpoints"])
    return AnnuaireAnswer(**values)


def _endpoints(answer: AnnuaireAnswer) -> tuple[tuple[str, str], ...]:
    return tuple(answer.endpoints.items())


register(
    Record(
        "AnnuaireRequest",
        (_HEADER, Field("numero_amc", TOKEN), Field("type_convention", TOKEN), Field("critere_secondaire", TOKEN)),
        _kwargs(AnnuaireRequest),
        AnnuaireRequest,
    )
)
register(
    Record(
        "AnnuaireAnswer",
        (
            _HEADER,
            Field("numero_amc", TOKEN),
            Field("operator", TEXT),
            Field("endpoints", "Endpoint", get=_endpoints, repeated=True),
            Field("valid_until", DATE),
        ),
        _answer_endpoints,
        AnnuaireAnswer,
    )
)
register(
    Record(
        "IdbRequest",
        (_HEADER, Field("beneficiary", "Beneficiary"), Field("attestation", "Attestation"), Field("stay", "Stay")),
        _kwargs(IdbRequest),
        IdbRequest,
    )
)
register(
    Record(
        "IdbAnswer",
        (
            _HEADER,
            Field("idb_reference", TOKEN),
            Field("coverage", "Coverage"),
            Field("consignes", TEXT, repeated=True),
        ),
        _kwargs(IdbAnswer),
        IdbAnswer,
    )
)


def _pricing_request(name: str, cls: type) -> Record:
    """SIM and CLC requests share their content (and the XSD type DemandeTarification)."""
    return Record(
        name,
        (
            _HEADER,
            Field("idb_reference", TOKEN),
            Field("beneficiary", "Beneficiary"),
            Field("attestation", "Attestation"),
            Field("stay", "Stay"),
            Field("lines", "PrestationLine", repeated=True),
        ),
        _kwargs(cls),
        cls,
    )


register(_pricing_request("SimRequest", SimRequest))
register(_pricing_request("ClcRequest", ClcRequest))
register(Record("SimAnswer", (_HEADER, Field("quote", "Quote")), _kwargs(SimAnswer), SimAnswer))
register(
    Record(
        "ClcAnswer",
        (
            _HEADER,
            Field("quote", "Quote"),
            Field("commitment_number", TOKEN),
            Field("valid_from", DATE),
            Field("valid_to", DATE),
        ),
        _kwargs(ClcAnswer),
        ClcAnswer,
    )
)
register(
    Record(
        "CancelRequest",
        (_HEADER, Field("commitment_number", TOKEN), Field("reason", TEXT)),
        _kwargs(CancelRequest),
        CancelRequest,
    )
)
register(
    Record(
        "CancelAnswer",
        (_HEADER, Field("commitment_number", TOKEN), Field("status", code("cancel_status", CancelStatus))),
        _kwargs(CancelAnswer),
        CancelAnswer,
    )
)

register_record_codecs()
