"""The AMC's rules for IDB, SIM, CLC and cancellation, on decoded messages; refusals raise `Refusal(key)`.

Pure domain rules live in simulators.domain (coverage_for, quote, check_lines); this module adds what needs
state: the directory of the session's dataset, IDB references and commitments in the store.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from simulators.directory import Directory, session_directory
from simulators.domain.pricing import check_lines, quote
from simulators.domain.rights import coverage_for
from simulators.soap_endpoint import Refusal, SoapCall
from simulators.store import Commitment, StoreConflict

COMMITMENT_VALIDITY_DAYS = 90  # how long after discharge an invoice may quote the commitment (bench choice)


def _directory(call: SoapCall) -> Directory:
    return session_directory(call.runtime, call.session)


def _host_serves(call: SoapCall, numero_amc: str) -> None:
    """Routing changed: a host that no longer serves an AMC says so, it does not answer for it."""
    directory = _directory(call)
    host = directory.hosts.get(call.path_params.get("host_id", ""))
    if host is None:
        raise Refusal("routing.unknown", f"no AMC host {call.path_params.get('host_id')!r} on this bench")
    if numero_amc not in host.numeros_amc:
        raise Refusal("routing.unknown",
                      f"host {host.host_id} does not serve AMC {numero_amc}: ask the annuaire for its current route")


def _contract(call: SoapCall, message: Any):
    numero = message.attestation.numero_amc
    _host_serves(call, numero)
    found = _directory(call).dataset.identify(message.beneficiary, numero)
    nir = str(message.beneficiary.nir)
    if isinstance(found, str):
        details = {
            "beneficiary.unknown": f"AMC {numero} has no beneficiary with NIR {nir}",
            "beneficiary.nir_key_invalid": f"NIR {nir}: the key does not match the 13 first characters",
            "beneficiary.identity_mismatch": f"AMC {numero} knows NIR {nir} but not with this birth date and "
                                             f"rang de naissance {message.beneficiary.rang_naissance}",
        }
        raise Refusal(found, details.get(found, found))
    if found.attestation.numero_adherent != message.attestation.numero_adherent:
        raise Refusal("beneficiary.identity_mismatch",
                      f"numéro d'adhérent {message.attestation.numero_adherent} is not the contract's "
                      f"({found.attestation.numero_adherent})")
    return found


def _open_coverage(contract, stay):
    coverage = coverage_for(contract, stay)
    if coverage.refusal:
        raise Refusal(coverage.refusal, f"{coverage.status.value} for the stay "
                                        f"{stay.admission_date}..{stay.discharge_date or ''} "
                                        f"(contract valid {coverage.valid_from}..{coverage.valid_to})")
    return coverage


def _reference(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16].upper()


def idb(call: SoapCall):
    from simulators.roc.messages import IdbAnswer

    message = call.message
    contract = _contract(call, message)
    coverage = _open_coverage(contract, message.stay)
    finess = str(message.header.finess_geographique)
    reference = "IDB" + _reference(call.session, finess, message.stay.venue_number, str(message.beneficiary.nir),
                                   message.header.exchange_id)
    call.runtime.store.add_idb_reference(call.session, reference, str(message.beneficiary.nir),
                                         message.stay.venue_number, message.attestation.numero_amc)
    return IdbAnswer(header=call.message.header, idb_reference=reference, coverage=coverage, consignes=())


def _priced(call: SoapCall):
    message = call.message
    known = call.runtime.store.idb_reference(call.session, message.idb_reference)
    if known is None or known["nir"] != str(message.beneficiary.nir) or known["venue"] != message.stay.venue_number:
        raise Refusal("idb.reference_unknown",
                      f"IDB reference {message.idb_reference} is unknown or belongs to another stay: call IDB first")
    contract = _contract(call, message)
    _open_coverage(contract, message.stay)
    problem = check_lines(message.stay, message.lines)
    if problem:
        raise Refusal(problem, "prestation lines are not coherent with the stay")
    return quote(contract, message.stay, message.lines)


def sim(call: SoapCall):
    from simulators.roc.messages import SimAnswer

    return SimAnswer(header=call.message.header, quote=_priced(call))


def clc(call: SoapCall):
    from simulators.roc.messages import ClcAnswer

    message = call.message
    stay = message.stay
    if stay.discharge_date is None:
        raise Refusal("dates.incoherent", "CLC is computed at discharge: the stay has no discharge date")
    priced = _priced(call)
    store = call.runtime.store
    finess = str(message.header.finess_geographique)
    previous = store.count_commitments(call.session, finess, stay.venue_number)
    number = "ENG" + _reference(call.session, finess, stay.venue_number, str(previous))
    valid_from, valid_to = stay.admission_date, stay.discharge_date + timedelta(days=COMMITMENT_VALIDITY_DAYS)
    try:
        store.add_commitment(Commitment(
            call.session, number, finess, stay.venue_number, str(message.beneficiary.nir),
            message.attestation.numero_amc, "active", valid_from.isoformat(), valid_to.isoformat(),
            priced.amc_cents, priced.total_cents, _quote_dict(priced)))
    except StoreConflict as conflict:
        active = store.active_commitment(call.session, finess, stay.venue_number)
        raise Refusal(conflict.key, f"stay {stay.venue_number} already has commitment "
                                    f"{active.number if active else '?'}: cancel it before a new CLC") from None
    return ClcAnswer(header=message.header, quote=priced, commitment_number=number,
                     valid_from=valid_from, valid_to=valid_to)


def _quote_dict(priced) -> dict[str, Any]:
    return asdict(priced)


def cancel(call: SoapCall):
    from simulators.roc.messages import CancelAnswer

    message = call.message
    store = call.runtime.store
    commitment = store.commitment(call.session, message.commitment_number)
    if commitment is None:
        raise Refusal("commitment.unknown", f"no commitment {message.commitment_number}")
    _host_serves(call, commitment.numero_amc)
    if commitment.finess not in (str(message.header.finess_geographique), str(message.header.finess_juridique)):
        raise Refusal("finess.not_authorised",
                      f"commitment {commitment.number} belongs to FINESS {commitment.finess}")
    if not store.change_commitment_status(call.session, commitment.number, expected="active", new="cancelled"):
        current = store.commitment(call.session, commitment.number)
        key = "commitment.already_invoiced" if current and current.status == "invoiced" else "commitment.already_cancelled"
        raise Refusal(key, f"commitment {commitment.number} is {current.status if current else 'gone'}")
    return CancelAnswer(header=message.header, commitment_number=commitment.number, status="cancelled")
