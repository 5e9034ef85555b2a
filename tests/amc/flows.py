"""Building ROC requests for a persona or a drawn stay (what a GAP does at admission and discharge)."""
from __future__ import annotations

from dataclasses import replace

from simulators.gap.client import RocClient
from simulators.roc.messages import CancelRequest, ClcRequest, IdbRequest, SimRequest


def idb_request(client: RocClient, case) -> IdbRequest:
    return IdbRequest(client.header(), case.beneficiary, case.attestation, case.stay)


def sim_request(client: RocClient, case, reference: str, lines=None) -> SimRequest:
    return SimRequest(client.header(), reference, case.beneficiary, case.attestation, case.stay,
                      tuple(lines if lines is not None else case.lines))


def clc_request(client: RocClient, case, reference: str, lines=None, stay=None) -> ClcRequest:
    return ClcRequest(client.header(), reference, case.beneficiary, case.attestation, stay or case.stay,
                      tuple(lines if lines is not None else case.lines))


def cancel_request(client: RocClient, number: str, reason: str = "stay changed") -> CancelRequest:
    return CancelRequest(client.header(), number, reason)


def endpoints(client: RocClient, case) -> dict[str, str]:
    attestation = case.attestation
    return client.annuaire(attestation.numero_amc, attestation.type_convention,
                           attestation.critere_secondaire).endpoints


def discharged(case):
    """The persona's stay, discharged (personas may be still in the hospital)."""
    if case.stay.discharge_date is not None:
        return case
    return replace(case, stay=replace(case.stay, discharge_date=max(line.end for line in case.lines),
                                      discharge_mode="8"))
