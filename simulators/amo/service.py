"""The `amo` actor: the CDRi SOAP endpoint (`/amo/cdri`, profile bench-cdri-1) and the billing intake of both
payers (`/billing/amo/...`, `/billing/amc/...`, see simulators/billing)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from simulators.amo import records as _records  # noqa: F401  (registers the CDRi codecs)
from simulators.amo.cdri import consult
from simulators.billing.service import bp as billing_bp
from simulators.soap_endpoint import SoapEndpoint

CDRI_PROFILE = "bench-cdri-1"
CDRI_PATH = "/amo/cdri"

bp = Blueprint("amo", __name__)


def _finess(message: Any) -> tuple[str, ...]:
    return (str(message.header.finess_geographique), str(message.header.finess_juridique))


cdri_endpoint = SoapEndpoint("cdri", "CDRI", {"CDRI": consult}, targets=lambda message: (str(message.beneficiary.nir),),
                             finess_of=_finess, profile=CDRI_PROFILE)
bp.add_url_rule(CDRI_PATH, endpoint="cdri", view_func=cdri_endpoint, methods=["GET", "POST"])
bp.register_blueprint(billing_bp)
