"""The content string of an attestation's DataMatrix, as the bench defines it.

The real DataMatrix of the tiers-payant attestation encodes the standard block (numéro AMC, type de convention,
critère secondaire de routage, numéro d'adhérent, validity period, "R" for a contrat responsable), but its byte
layout is not public [?]. The bench uses its own readable layout, versioned by its prefix, so a GAP's scanner
integration can be exercised by pasting the string into the field where the scan lands:

    SBDM1|AMC=123456789|TC=SP|CSR=01|ADH=0012345678|DEB=20260101|FIN=20271231|R=1
"""
from __future__ import annotations

from datetime import date, datetime

from simulators.domain import Attestation

PREFIX = "SBDM1"
_FIELDS = ("AMC", "TC", "CSR", "ADH", "DEB", "FIN", "R")


def encode_attestation(attestation: Attestation) -> str:
    values = (attestation.numero_amc, attestation.type_convention, attestation.critere_secondaire,
              attestation.numero_adherent, attestation.valid_from.strftime("%Y%m%d"),
              attestation.valid_to.strftime("%Y%m%d"), "1" if attestation.responsable else "0")
    return "|".join([PREFIX, *(f"{key}={value}" for key, value in zip(_FIELDS, values))])


def _date(key: str, text: str) -> date:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise ValueError(f"DataMatrix field {key}: expected a date YYYYMMDD, received {text!r}") from None


def decode_attestation(text: str) -> Attestation:
    """Parse a bench DataMatrix string; ValueError says which field is wrong and what was expected."""
    prefix, *pairs = text.strip().split("|")
    if prefix != PREFIX:
        raise ValueError(f"DataMatrix content: expected prefix {PREFIX}, received {prefix!r}")
    fields: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in _FIELDS or key in fields:
            raise ValueError(f"DataMatrix content: unexpected or repeated field {pair!r} "
                             f"(fields: {', '.join(_FIELDS)})")
        fields[key] = value
    missing = [key for key in _FIELDS if not fields.get(key)]
    if missing:
        raise ValueError(f"DataMatrix content: missing field(s) {', '.join(missing)}")
    if fields["R"] not in ("0", "1"):
        raise ValueError(f"DataMatrix field R: expected 0 or 1, received {fields['R']!r}")
    return Attestation(numero_amc=fields["AMC"], type_convention=fields["TC"], critere_secondaire=fields["CSR"],
                       numero_adherent=fields["ADH"], valid_from=_date("DEB", fields["DEB"]),
                       valid_to=_date("FIN", fields["FIN"]), responsable=fields["R"] == "1")
