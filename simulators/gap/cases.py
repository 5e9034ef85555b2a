"""What a hospital knows about one patient stay, as a value and as plain JSON.

`StayCase` is what the reference GAP is asked to admit; its JSON is also the payload of the HTTP driver's
`admit` action, so it is written for an editor whose GAP is in Java or C#: flat objects, NIR as one 15-character
string (13 + key), dates ISO 8601 (birth dates may be lunar: `1962-00-00`), amounts in integer cents, code lists as
their profile codes. `CASE_SCHEMA` (JSON Schema) describes it; `from_json` checks against it and says where.

The NIR key and the FINESS check digit are not checked here: a case with a mistyped key must travel to the GAP
so the bench can see what the GAP does with it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import jsonschema

from simulators.domain import (Attestation, Beneficiary, BirthDate, Domaine, Establishment, Finess, Nir,
                               PrestationFamily, PrestationLine, Stay, StayType)

_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_NIR = {"type": "string", "pattern": r"^[12378][0-9]{4}([0-9]{2}|2[ABab])[0-9]{6}[0-9]{2}$",
        "description": "13 characters and the 2-digit key, no spaces (Corsica: 2A/2B)"}
_FINESS = {"type": "string", "pattern": r"^([0-9]{2}|2[AB])[0-9]{7}$"}
_CENTS = {"type": "integer", "minimum": 0, "description": "euro cents"}
_TEXT = {"type": "string", "minLength": 1}
_NULLABLE_DATE = {"oneOf": [_DATE, {"type": "null"}]}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": [name for name in properties if name not in optional]}


CASE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://simphonie-bench.example/schemas/stay-case-1.json",
    "title": "StayCase: a patient stay as the hospital knows it",
    **_object({
        "beneficiary": _object({
            "nir": _NIR,
            "birth_date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$",
                           "description": "YYYY-MM-DD; day or month 00 for lunar birth dates"},
            "rang_naissance": {"type": "integer", "minimum": 1, "maximum": 9},
            "last_name": _TEXT,
            "first_name": _TEXT,
            "insured_nir": {"oneOf": [_NIR, {"type": "null"}]},
        }, optional=("insured_nir",)),
        "attestation": _object({
            "numero_amc": _TEXT,
            "type_convention": _TEXT,
            "critere_secondaire": _TEXT,
            "numero_adherent": _TEXT,
            "valid_from": _DATE,
            "valid_to": _DATE,
            "responsable": {"type": "boolean"},
        }, optional=("responsable",)),
        "establishment": _object({
            "finess_juridique": _FINESS,
            "finess_geographique": _FINESS,
            "name": {"type": "string"},
        }, optional=("name",)),
        "stay": _object({
            "venue_number": _TEXT,
            "domaine": {"enum": [d.value for d in Domaine]},
            "mode_traitement": {"type": "string", "pattern": r"^\d{2}$"},
            "dmt": {"type": "string", "pattern": r"^\d{3}$"},
            "stay_type": {"enum": [t.value for t in StayType]},
            "admission_date": _DATE,
            "admission_mode": _TEXT,
            "discharge_date": _NULLABLE_DATE,
            "discharge_mode": {"oneOf": [_TEXT, {"type": "null"}]},
            "urgent": {"type": "boolean"},
        }, optional=("discharge_date", "discharge_mode", "urgent")),
        "lines": {"type": "array", "items": _object({
            "line_number": {"type": "integer", "minimum": 1},
            "code": _TEXT,
            "family": {"enum": [f.value for f in PrestationFamily]},
            "start": _DATE,
            "end": _DATE,
            "quantity": {"type": "integer"},
            "unit_price_cents": {"type": "integer"},
            "base_cents": {"type": "integer"},
            "amo_rate_pct": {"type": "integer"},
            "amo_cents": {"oneOf": [_CENTS, {"type": "null"}]},
        }, optional=("amo_cents",))},
    }, optional=("lines",)),
}

_VALIDATOR = jsonschema.Draft202012Validator(CASE_SCHEMA)


class CaseError(ValueError):
    """A stay case that cannot be read; the message names the field (`stay.admission_date`) and the problem."""


@dataclass(frozen=True, slots=True)
class StayCase:
    """One patient stay as the hospital knows it: who, with which attestation, where, which care."""

    beneficiary: Beneficiary
    attestation: Attestation
    establishment: Establishment
    stay: Stay
    lines: tuple[PrestationLine, ...] = ()

    @property
    def venue(self) -> str:
        return self.stay.venue_number

    @classmethod
    def from_persona(cls, persona) -> "StayCase":
        """The case a persona brings to the admission desk (its attestation, not the AMC's contract)."""
        return cls(persona.beneficiary, persona.attestation, persona.establishment, persona.stay,
                   tuple(persona.lines))

    @classmethod
    def from_drawn(cls, drawn) -> "StayCase":
        """The case of a stay drawn from the dataset's population (load runs)."""
        return cls(drawn.beneficiary, drawn.attestation, drawn.establishment, drawn.stay, tuple(drawn.lines))

    # -- JSON ------------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        b, a, e, s = self.beneficiary, self.attestation, self.establishment, self.stay
        return {
            "beneficiary": {
                "nir": str(b.nir), "birth_date": str(b.birth_date), "rang_naissance": b.rang_naissance,
                "last_name": b.last_name, "first_name": b.first_name,
                "insured_nir": str(b.insured_nir) if b.insured_nir else None,
            },
            "attestation": {
                "numero_amc": a.numero_amc, "type_convention": a.type_convention,
                "critere_secondaire": a.critere_secondaire, "numero_adherent": a.numero_adherent,
                "valid_from": a.valid_from.isoformat(), "valid_to": a.valid_to.isoformat(),
                "responsable": a.responsable,
            },
            "establishment": {"finess_juridique": str(e.finess_juridique),
                              "finess_geographique": str(e.finess_geographique), "name": e.name},
            "stay": {
                "venue_number": s.venue_number, "domaine": s.domaine.value, "mode_traitement": s.mode_traitement,
                "dmt": s.dmt, "stay_type": s.stay_type.value, "admission_date": s.admission_date.isoformat(),
                "admission_mode": s.admission_mode, "discharge_date": _iso(s.discharge_date),
                "discharge_mode": s.discharge_mode, "urgent": s.urgent,
            },
            "lines": [
                {"line_number": line.line_number, "code": line.code, "family": line.family.value,
                 "start": line.start.isoformat(), "end": line.end.isoformat(), "quantity": line.quantity,
                 "unit_price_cents": line.unit_price_cents, "base_cents": line.base_cents,
                 "amo_rate_pct": line.amo_rate_pct, "amo_cents": line.amo_cents}
                for line in self.lines
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str | bytes | dict[str, Any]) -> "StayCase":
        """Read a case from JSON text or an already parsed object; CaseError says which field is wrong."""
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise CaseError(f"stay case is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            where = ".".join(str(part) for part in first.absolute_path) or "(case)"
            raise CaseError(f"{where}: {first.message}")
        try:
            return cls._read(data)
        except (ValueError, TypeError) as exc:  # dates the calendar does not have, 2A/2B in a FINESS stem...
            raise CaseError(str(exc)) from None

    @classmethod
    def _read(cls, data: dict[str, Any]) -> "StayCase":
        b, a, e, s = data["beneficiary"], data["attestation"], data["establishment"], data["stay"]
        beneficiary = Beneficiary(
            nir=_nir(b["nir"], "beneficiary.nir"), birth_date=_birth(b["birth_date"]),
            rang_naissance=b["rang_naissance"], last_name=b["last_name"], first_name=b["first_name"],
            insured_nir=_nir(b["insured_nir"], "beneficiary.insured_nir") if b.get("insured_nir") else None)
        attestation = Attestation(a["numero_amc"], a["type_convention"], a["critere_secondaire"],
                                  a["numero_adherent"], _date(a["valid_from"], "attestation.valid_from"),
                                  _date(a["valid_to"], "attestation.valid_to"), a.get("responsable", True))
        establishment = Establishment(Finess(e["finess_juridique"].upper()), Finess(e["finess_geographique"].upper()),
                                      e.get("name", ""))
        stay = Stay(
            venue_number=s["venue_number"], domaine=Domaine(s["domaine"]), mode_traitement=s["mode_traitement"],
            dmt=s["dmt"], stay_type=StayType(s["stay_type"]),
            admission_date=_date(s["admission_date"], "stay.admission_date"), admission_mode=s["admission_mode"],
            discharge_date=_date(s["discharge_date"], "stay.discharge_date") if s.get("discharge_date") else None,
            discharge_mode=s.get("discharge_mode"), urgent=s.get("urgent", False))
        lines = tuple(
            PrestationLine(line["line_number"], line["code"], PrestationFamily(line["family"]),
                           _date(line["start"], f"lines.{i}.start"), _date(line["end"], f"lines.{i}.end"),
                           line["quantity"], line["unit_price_cents"], line["base_cents"], line["amo_rate_pct"],
                           line.get("amo_cents"))
            for i, line in enumerate(data.get("lines", ())))
        return cls(beneficiary, attestation, establishment, stay, lines)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CaseError(f"{where}: expected a calendar date YYYY-MM-DD, received {text!r}") from None


def _birth(text: str) -> BirthDate:
    try:
        return BirthDate.parse(text)
    except ValueError as exc:
        raise CaseError(f"beneficiary.birth_date: {exc}") from None


def _nir(text: str, where: str) -> Nir:
    """Body and key as typed; the key is not checked (see the module docstring)."""
    compact = text.upper()
    try:
        Nir.compute_key(compact[:13])
    except ValueError as exc:
        raise CaseError(f"{where}: {exc}") from None
    return Nir(compact[:13], int(compact[13:]))
