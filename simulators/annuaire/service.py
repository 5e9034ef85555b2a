"""Annuaire blueprint: (numéro AMC, type de convention, critère secondaire) → each ROC service's endpoint."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint

from simulators.amc.service import SERVICES
from simulators.directory import session_directory
from simulators.domain.routing import resolve
from simulators.soap_endpoint import Refusal, SoapCall, SoapEndpoint

bp = Blueprint("annuaire", __name__)

ROUTE_CACHE_DAYS = 1  # how long a GAP may cache an answer (valid-until), a bench choice


def lookup(call: SoapCall):
    from simulators.roc.messages import AnnuaireAnswer

    message = call.message
    directory = session_directory(call.runtime, call.session)
    route = resolve(directory.routes, message.numero_amc, message.type_convention, message.critere_secondaire)
    if isinstance(route, str):
        raise Refusal(route, f"no ROC route for AMC {message.numero_amc}, convention {message.type_convention}, "
                             f"critère {message.critere_secondaire}")
    host = directory.hosts[route.host_id]
    endpoints = {service: f"{call.base_url}/amc/{host.host_id}/{segment}"
                 for segment, (service, _) in SERVICES.items()}
    valid_until = min(route.valid_until, call.runtime.today(call.session) + timedelta(days=ROUTE_CACHE_DAYS))
    return AnnuaireAnswer(header=message.header, numero_amc=message.numero_amc, operator=host.operator,
                          endpoints=endpoints, valid_until=valid_until)


def _finess(message) -> tuple[str, ...]:
    return (str(message.header.finess_geographique), str(message.header.finess_juridique))


endpoint = SoapEndpoint("annuaire", "ANNUAIRE", {"ANNUAIRE": lookup},
                        targets=lambda message: (message.numero_amc,), finess_of=_finess)
bp.add_url_rule("/annuaire", endpoint="annuaire", view_func=endpoint, methods=["GET", "POST"])
