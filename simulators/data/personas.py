"""Named personas (edge cases scenarios refer to by name) and their copy-pasteable cards.

The catalogue lives in persona_catalogue.py (one registered builder per persona); this module builds them in
catalogue order and renders a card for `simphonie personas` and the control API.
"""
from __future__ import annotations

from typing import Any

from simulators.data import persona_catalogue  # noqa: F401  (registers the builders)
from simulators.data.datamatrix import encode_attestation
from simulators.data.persona_kit import REGISTRY, Persona, PersonaKit
from simulators.domain import Nir, format_cents

PERSONA_NAMES: tuple[str, ...] = tuple(REGISTRY)

__all__ = ["PERSONA_NAMES", "Persona", "build_personas", "persona_card"]


def build_personas(kit: PersonaKit) -> dict[str, Persona]:
    """Every persona, in catalogue order, built from the kit's seeded world (same kit state ⇒ same personas)."""
    return {name: builder(kit) for name, builder in REGISTRY.items()}


def _nir_display(nir: Nir) -> str:
    body = nir.body
    return f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:13]} {nir.key:02d}"


def _euros(cents: int | None) -> str | None:
    return None if cents is None else format_cents(cents)


def persona_card(p: Persona) -> dict[str, Any]:
    """JSON-ready card of a persona: what to type or scan at the admission desk, and what should happen.

    Amounts are decimal euro strings, dates ISO 8601, birth dates as given (lunar ones keep their 00). The
    `datamatrix` value is the bench's own content layout (see datamatrix.py): the real byte layout of the
    attestation's DataMatrix is not public.
    """
    b, a, s = p.beneficiary, p.attestation, p.stay
    return {
        "name": p.name,
        "title": p.title,
        "description": p.description,
        "expected": p.expected,
        "behaviours": list(p.behaviours),
        "patient": {
            "nir": str(b.nir),
            "nir_display": _nir_display(b.nir),
            "nir_body": b.nir.body,
            "nir_key": f"{b.nir.key:02d}",
            "birth_date": str(b.birth_date),
            "birth_date_is_lunar": b.birth_date.is_lunar,
            "rang_naissance": b.rang_naissance,
            "last_name": b.last_name,
            "first_name": b.first_name,
            "insured_nir": str(b.insured_nir) if b.insured_nir else None,
        },
        "amc": {
            "numero_amc": p.organisation.numero_amc,
            "name": p.organisation.name,
            "operator": p.organisation.operator,
            "in_roc": p.organisation.in_roc,
            "knows_patient": p.contract is not None,
        },
        "attestation": {
            "numero_amc": a.numero_amc,
            "type_convention": a.type_convention,
            "critere_secondaire": a.critere_secondaire,
            "numero_adherent": a.numero_adherent,
            "valid_from": a.valid_from.isoformat(),
            "valid_to": a.valid_to.isoformat(),
            "responsable": a.responsable,
        },
        "datamatrix": encode_attestation(a),
        "establishment": {
            "name": p.establishment.name,
            "finess_juridique": str(p.establishment.finess_juridique),
            "finess_geographique": str(p.establishment.finess_geographique),
        },
        "stay": {
            "venue_number": s.venue_number,
            "domaine": s.domaine.value,
            "stay_type": s.stay_type.value,
            "mode_traitement": s.mode_traitement,
            "dmt": s.dmt,
            "admission_date": s.admission_date.isoformat(),
            "admission_mode": s.admission_mode,
            "discharge_date": s.discharge_date.isoformat() if s.discharge_date else None,
            "discharge_mode": s.discharge_mode,
            "urgent": s.urgent,
        },
        "lines": [
            {
                "line_number": line.line_number,
                "code": line.code,
                "family": line.family.value,
                "start": line.start.isoformat(),
                "end": line.end.isoformat(),
                "quantity": line.quantity,
                "unit_price": format_cents(line.unit_price_cents),
                "base": format_cents(line.base_cents),
                "amo_rate_pct": line.amo_rate_pct,
                "amo": _euros(line.amo_cents),
            }
            for line in p.lines
        ],
        "routing_change": None if p.routing_change is None else {
            "numero_amc": p.routing_change.numero_amc,
            "from_host_id": p.routing_change.from_host_id,
            "to_host_id": p.routing_change.to_host_id,
        },
    }
