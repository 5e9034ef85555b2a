"""RocClient against a local HTTP stub: answers, faults, transport failures, history, WSDL publishing."""
from __future__ import annotations

import socket
from dataclasses import replace

import pytest
import zeep
from lxml import etree

from simulators.gap.client import (
    SESSION_HEADER,
    ExchangeIds,
    RocAnswerError,
    RocClient,
    RocFaultError,
    RocTransportError,
    make_header,
)
from simulators.profiles import load_profile
from simulators.roc import AnnuaireRequest, RocFault, decode, encode
from simulators.roc.examples import AMC_CONTACT, messages
from simulators.soap import SoapVersion, content_type, envelope, fault, fault_status, parse_envelope, requested_action

from roc_stub import Reply

EXAMPLES = messages()
PROFILE = load_profile()


def soap_reply(version: str, key: str) -> Reply:
    return Reply(200, envelope(version, encode(EXAMPLES[key], PROFILE)), content_type(version))


def fault_reply(version: str, error_key: str, contact=None) -> Reply:
    error = PROFILE.errors.by_key(error_key)
    body = fault(version, error, contact=contact, detail_text="voir contrat", profile=PROFILE)
    return Reply(fault_status(version, error.side), body, content_type(version))


@pytest.fixture
def client(stub):
    with RocClient(stub.url("/annuaire"), session="s-42", timeout=2.0, id_seed=7) as roc:
        yield roc


def test_annuaire_round_trip_and_request_headers(stub, client):
    stub.on("/annuaire", soap_reply("1.1", "ANNUAIRE.answer"))
    answer = client.annuaire("77500001", "TP", "01")
    assert answer == EXAMPLES["ANNUAIRE.answer"]
    seen = stub.seen[-1]
    assert seen.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert requested_action("1.1", seen.headers, None) == PROFILE.operation("ANNUAIRE").soap_action
    assert seen.headers[SESSION_HEADER] == "s-42"
    request = decode(parse_envelope(seen.body, seen.headers["Content-Type"]).body, PROFILE)
    assert isinstance(request, AnnuaireRequest)
    assert (request.numero_amc, request.type_convention, request.critere_secondaire) == ("77500001", "TP", "01")
    assert PROFILE.validate(parse_envelope(seen.body).body) == []


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("operation, method", [("IDB", "idb"), ("SIM", "sim"), ("CLC", "clc"), ("ANN", "cancel")])
def test_each_service_in_both_soap_versions(stub, operation, method, version):
    url = stub.on(f"/amc/a1/{method}", soap_reply(version, f"{operation}.answer"))
    with RocClient(stub.url("/annuaire"), soap_version=version) as roc:
        answer = getattr(roc, method)(url, EXAMPLES[f"{operation}.request"])
    assert answer == EXAMPLES[f"{operation}.answer"]
    seen = stub.seen[-1]
    assert parse_envelope(seen.body, seen.headers["Content-Type"]).version is SoapVersion(version)
    action = requested_action(version, seen.headers, seen.headers["Content-Type"])
    assert action == PROFILE.operation(operation).soap_action
    assert SESSION_HEADER not in seen.headers


@pytest.mark.parametrize("version, contact", [("1.1", None), ("1.2", AMC_CONTACT)], ids=["Erreur", "Erreur2"])
def test_soap_faults_raise_with_the_catalogue_entry(stub, client, version, contact):
    url = stub.on("/amc/a1/idb", fault_reply(version, "rights.closed", contact))
    client.soap_version = SoapVersion(version)
    with pytest.raises(RocFaultError) as info:
        client.idb(url, EXAMPLES["IDB.request"])
    error = info.value
    assert error.key == "rights.closed"
    assert isinstance(error.fault, RocFault)
    assert error.fault.contact == contact
    assert error.fault.detail == "voir contrat"
    assert error.status == (400 if version == "1.2" else 500)


def test_server_fault(stub, client):
    url = stub.on("/amc/a1/clc", fault_reply("1.1", "service.unavailable", AMC_CONTACT))
    with pytest.raises(RocFaultError) as info:
        client.clc(url, EXAMPLES["CLC.request"])
    assert info.value.fault.error.side == "server"


@pytest.mark.parametrize(
    "reply, key, status",
    [
        (Reply(503, b"<html>maintenance</html>", "text/html"), "service.unavailable", 503),
        (Reply(200, b"hello", "text/plain"), "request.malformed_xml", 200),
        (Reply(200, b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', "text/xml"), "request.forbidden_construct", 200),
        (Reply(500, envelope("1.1", etree.Element("{urn:x}NotAFault")), "text/xml"), "service.unavailable", 500),
    ],
    ids=["http-503", "garbage", "dtd", "500-without-fault"],
)
def test_transport_errors(stub, client, reply, key, status):
    url = stub.on("/amc/a1/sim", reply)
    with pytest.raises(RocTransportError) as info:
        client.sim(url, EXAMPLES["SIM.request"])
    assert (info.value.key, info.value.status) == (key, status)


def test_timeout(stub):
    url = stub.on("/amc/slow/idb", Reply(200, b"", delay=1.0))
    with RocClient(stub.url("/annuaire"), timeout=0.2) as roc:
        with pytest.raises(RocTransportError) as info:
            roc.idb(url, EXAMPLES["IDB.request"])
    assert info.value.key == "service.timeout"
    assert roc.history[-1].error.startswith("timeout")


def test_connection_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with RocClient(f"http://127.0.0.1:{port}/annuaire", timeout=2.0) as roc:
        with pytest.raises(RocTransportError) as info:
            roc.annuaire("1", "TP", "01")
    assert info.value.key == "service.unavailable"


def test_answer_of_another_operation_is_refused(stub, client):
    url = stub.on("/amc/a1/idb", soap_reply("1.1", "SIM.answer"))
    with pytest.raises(RocAnswerError) as info:
        client.idb(url, EXAMPLES["IDB.request"])
    assert info.value.key == "request.unsupported_operation"


def test_schema_invalid_answer_is_refused_with_the_path(stub, client):
    body = envelope("1.1", encode(EXAMPLES["ANN.answer"], PROFILE)).replace(b"ANNULE<", b"PERDU<")
    url = stub.on("/amc/a1/ann", Reply(200, body))
    with pytest.raises(RocAnswerError) as info:
        client.cancel(url, EXAMPLES["ANN.request"])
    assert info.value.key == "request.schema_invalid"
    assert info.value.problems[0].path == "/ANNReponse/StatutAnnulation"
    client.validate_answers = False
    with pytest.raises(RocAnswerError) as info:  # without validation the decoder still refuses the code
        client.cancel(url, EXAMPLES["ANN.request"])
    assert info.value.key == "request.schema_invalid"


def test_history_keeps_the_last_exchanges(stub):
    url = stub.on("/annuaire", soap_reply("1.1", "ANNUAIRE.answer"))
    with RocClient(url, history_size=3) as roc:
        for _ in range(5):
            roc.annuaire("77500001", "TP", "01")
    assert len(roc.history) == 3
    assert roc.last_sent == stub.seen[-1].body
    assert roc.last_received == envelope("1.1", encode(EXAMPLES["ANNUAIRE.answer"], PROFILE))
    assert all(exchange.status == 200 and exchange.operation == "ANNUAIRE" for exchange in roc.history)
    ids = [decode(parse_envelope(seen.body).body, PROFILE).header.exchange_id for seen in stub.seen]
    assert len(set(ids)) == 5


def test_exchange_ids_are_unique_and_reproducible_when_seeded():
    assert [ExchangeIds(1)() for _ in range(2)] == [ExchangeIds(1)()] * 2
    ids = ExchangeIds(1)
    assert len({ids() for _ in range(100)}) == 100
    assert ExchangeIds()() != ExchangeIds()()
    header = make_header(exchange_id="X-1")
    assert header.exchange_id == "X-1" and header.timestamp.microsecond == 0
    assert make_header().exchange_id != make_header().exchange_id


@pytest.mark.parametrize("service", ["ANNUAIRE", "IDB", "SIM", "CLC", "ANN"])
def test_published_wsdl_is_self_contained_for_zeep(stub, client, service):
    location = stub.url(f"/amc/a1/{service.lower()}")
    stub.on(f"/amc/a1/{service.lower()}", Reply(200, PROFILE.wsdl(service, location)), method="GET")
    assert b"<wsdl:definitions" in client.wsdl(location)
    zeep_client = zeep.Client(f"{location}?wsdl")
    ports = zeep_client.wsdl.services[PROFILE.names.services[service].wsdl_service].ports
    assert {port.binding_options["address"] for port in ports.values()} == {location}
    assert [set(seen.query) for seen in stub.seen] == [{"wsdl"}, {"wsdl"}]  # no schema fetched separately
    operation = PROFILE.operation(service)
    element = zeep_client.get_element(operation.request_tag)
    parsed = element.parse(encode(EXAMPLES[f"{service}.request"], PROFILE), zeep_client.wsdl.types)
    assert parsed.Entete.IdentifiantEchange == EXAMPLES[f"{service}.request"].header.exchange_id


def test_requests_other_than_roc_messages_are_refused(client):
    with pytest.raises(TypeError):
        client.call("http://unused.invalid/", replace(EXAMPLES["IDB.answer"]))
