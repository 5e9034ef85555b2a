"""AMC blueprint: each AMC host serves IDB, SIM, CLC and cancellation at `/amc/<host_id>/<service>`."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from simulators.amc import rules
from simulators.soap_endpoint import SoapCall, SoapEndpoint

bp = Blueprint("amc", __name__)


def _targets(message: Any) -> tuple[str, ...]:
    targets = []
    attestation = getattr(message, "attestation", None)
    if attestation is not None:
        targets.append(attestation.numero_amc)
    beneficiary = getattr(message, "beneficiary", None)
    if beneficiary is not None:
        targets.append(str(beneficiary.nir))
    return tuple(targets)


def _finess(message: Any) -> tuple[str, ...]:
    header = getattr(message, "header", None)
    return (str(header.finess_geographique), str(header.finess_juridique)) if header else ()


def _contact(call: SoapCall | None, path_params: dict[str, str]):
    """The AMC's contact for `<Erreur2>`: the AMC of the request when known."""
    if call is None:
        return None
    attestation = getattr(call.message, "attestation", None)
    if attestation is None:
        return None
    organisation = call.runtime.dataset(call.session).organisation(attestation.numero_amc)
    return organisation.contact if organisation else None


# service path segment -> (service name in the profile, {operation: handler})
SERVICES: dict[str, tuple[str, dict]] = {
    "idb": ("IDB", {"IDB": rules.idb}),
    "sim": ("SIM", {"SIM": rules.sim}),
    "clc": ("CLC", {"CLC": rules.clc}),
    "ann": ("ANN", {"ANN": rules.cancel}),
}

for segment, (service, operations) in SERVICES.items():
    endpoint = SoapEndpoint("amc", service, operations, targets=_targets, contact=_contact, finess_of=_finess,
                            standing_behaviours=True)
    bp.add_url_rule(f"/amc/<host_id>/{segment}", endpoint=segment, view_func=endpoint, methods=["GET", "POST"])
