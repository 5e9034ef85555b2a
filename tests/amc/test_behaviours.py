"""Session behaviours make the AMC fail the ways real insurers fail; each one observed on a real socket."""
from __future__ import annotations

import time

import pytest
import requests

from simulators.gap.client import RocClient, RocFaultError, RocTransportError
from tests.amc.flows import clc_request, discharged, endpoints, idb_request


def _behave(server, session, **behaviour):
    requests.post(f"{server.url}/_bench/sessions/{session}/behaviours", json=behaviour, timeout=5).raise_for_status()


def test_latency_delays_the_answer(client, dataset, server, session):
    persona = dataset.persona("rights-open")
    urls = endpoints(client, persona)
    _behave(server, session, name="latency:300ms", service="IDB", count=1)
    started = time.perf_counter()
    client.idb(urls["IDB"], idb_request(client, persona))
    assert time.perf_counter() - started >= 0.3
    journal = requests.get(f"{server.url}/_bench/sessions/{session}/journal", timeout=5).json()
    assert journal[-1]["duration_ms"] >= 300


def test_http_503_then_recovery(client, dataset, server, session):
    persona = dataset.persona("rights-open")
    urls = endpoints(client, persona)
    _behave(server, session, name="http_503", service="IDB", count=1)
    with pytest.raises(RocTransportError) as caught:
        client.idb(urls["IDB"], idb_request(client, persona))
    assert caught.value.status == 503
    assert client.idb(urls["IDB"], idb_request(client, persona)).coverage.status.value == "open"


def test_injected_soap_fault_hits_only_its_service(client, dataset, server, session):
    persona = discharged(dataset.persona("rights-open"))
    urls = endpoints(client, persona)
    _behave(server, session, name="soap_fault:service.unavailable", service="CLC")
    idb = client.idb(urls["IDB"], idb_request(client, persona))
    with pytest.raises(RocFaultError) as caught:
        client.clc(urls["CLC"], clc_request(client, persona, idb.idb_reference))
    assert caught.value.key == "service.unavailable"
    assert caught.value.fault.error.code == client.profile.errors.by_key("service.unavailable").code
    assert caught.value.status == 503


def test_malformed_answer_is_not_xml(client, dataset, server, session):
    persona = dataset.persona("rights-open")
    urls = endpoints(client, persona)
    _behave(server, session, name="malformed_answer", count=1)
    with pytest.raises(RocTransportError) as caught:
        client.idb(urls["IDB"], idb_request(client, persona))
    assert caught.value.key == "request.malformed_xml"


def test_timeout_behaviour_makes_the_client_time_out(server, session, dataset):
    persona = dataset.persona("rights-open")
    with RocClient(f"{server.url}/s/{session}/annuaire", timeout=0.5) as short:
        urls = endpoints(short, persona)
        _behave(server, session, name="timeout", count=1)
        with pytest.raises(RocTransportError) as caught:
            short.idb(urls["IDB"], idb_request(short, persona))
    assert caught.value.key == "service.timeout"


def test_connection_reset_drops_the_connection(client, dataset, server, session):
    persona = dataset.persona("rights-open")
    urls = endpoints(client, persona)
    _behave(server, session, name="connection_reset", count=1)
    with pytest.raises(RocTransportError) as caught:
        client.idb(urls["IDB"], idb_request(client, persona))
    assert caught.value.key == "service.unavailable"


@pytest.mark.parametrize("name, check", [
    ("amc-down", lambda exc: isinstance(exc, RocTransportError) and exc.status == 503),
    ("amc-malformed-answer", lambda exc: isinstance(exc, RocTransportError) and exc.key == "request.malformed_xml"),
    ("amc-soap-fault", lambda exc: isinstance(exc, RocFaultError)),
])
def test_persona_standing_behaviours(client, dataset, name, check):
    persona = dataset.persona(name)
    urls = endpoints(client, persona)
    with pytest.raises((RocTransportError, RocFaultError)) as caught:
        client.idb(urls["IDB"], idb_request(client, persona))
    assert check(caught.value)


def test_behaviours_of_one_session_do_not_touch_another(server, dataset):
    persona = dataset.persona("rights-open")
    for name in ("iso-a", "iso-b"):
        requests.post(f"{server.url}/_bench/sessions", json={"id": name}, timeout=5).raise_for_status()
    _behave(server, "iso-a", name="http_503")
    with RocClient(f"{server.url}/annuaire", session="iso-b", timeout=5) as other:
        urls = endpoints(other, persona)
        assert other.idb(urls["IDB"], idb_request(other, persona)).coverage.status.value == "open"
    journal_a = requests.get(f"{server.url}/_bench/sessions/iso-a/journal", timeout=5).json()
    assert journal_a == []
