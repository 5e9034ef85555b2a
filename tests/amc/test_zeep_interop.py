"""A real third-party SOAP client (zeep) loads the published WSDLs and calls every operation."""
from __future__ import annotations

import pytest
import zeep
from zeep.exceptions import Fault

from simulators.profiles import load_profile
from simulators.roc.messages import encode
from tests.amc.flows import cancel_request, clc_request, discharged, endpoints, idb_request, sim_request

PROFILE = load_profile()


def _zeep_call(url: str, message) -> object:
    """Call the operation of `message` through zeep, built from our encoding of the same message."""
    client = zeep.Client(f"{url}?wsdl")
    element = encode(message, PROFILE)
    operation = PROFILE.operation(PROFILE.operation_for(element))
    request_type = client.get_element(element.tag)
    value = request_type.parse(element, client.wsdl.types)
    arguments = {name: getattr(value, name) for name in value}
    return getattr(client.service, operation.name)(**arguments)


def test_zeep_calls_every_operation(client, dataset, server, session):
    persona = discharged(dataset.persona("rights-open"))
    annuaire = zeep.Client(f"{server.url}/s/{session}/annuaire?wsdl")
    assert "RechercherAMC" in dir(annuaire.service)
    urls = endpoints(client, persona)
    answer = _zeep_call(f"{server.url}/s/{session}/annuaire", client_annuaire_request(client, persona))
    assert answer is not None
    idb = _zeep_call(urls["IDB"], idb_request(client, persona))
    reference = idb.ReferenceIDB
    sim = _zeep_call(urls["SIM"], sim_request(client, persona, reference))
    clc = _zeep_call(urls["CLC"], clc_request(client, persona, reference))
    assert sim is not None and clc is not None
    commitment = _commitment_number(clc)
    assert commitment.startswith("ENG")
    cancelled = _zeep_call(urls["ANN"], cancel_request(client, commitment))
    assert cancelled is not None
    with pytest.raises(Fault) as fault:
        _zeep_call(urls["ANN"], cancel_request(client, commitment))
    assert PROFILE.errors.by_key("commitment.already_cancelled").code in str(fault.value.message)


def client_annuaire_request(client, persona):
    from simulators.roc.messages import AnnuaireRequest

    attestation = persona.attestation
    return AnnuaireRequest(client.header(), attestation.numero_amc, attestation.type_convention,
                           attestation.critere_secondaire)


def _commitment_number(answer) -> str:
    """The commitment number in zeep's decoded CLC answer, wherever the profile names it."""
    from zeep.helpers import serialize_object

    values = serialize_object(answer, dict)
    found = [v for v in values.values() if isinstance(v, str) and v.startswith("ENG")]
    assert len(found) == 1, f"expected one commitment number in zeep's answer, received {values!r}"
    return found[0]
