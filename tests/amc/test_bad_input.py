"""Hostile and broken requests get a precise SOAP fault with the catalogue code, never a 500 or a traceback."""
from __future__ import annotations

import pytest
import requests
from lxml import etree

from simulators.profiles import load_profile
from simulators.roc.messages import decode, encode
from simulators.soap import envelope, parse_envelope
from tests.amc.flows import endpoints, idb_request

PROFILE = load_profile()
SOAP11 = {"Content-Type": "text/xml; charset=utf-8"}

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>&xxe;</x></soap:Body></soap:Envelope>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>&lol3;</x></soap:Body></soap:Envelope>"""


def _fault(response: requests.Response):
    assert response.status_code != 500, response.text
    assert b"Traceback" not in response.content
    message = parse_envelope(response.content, response.headers["Content-Type"])
    assert message.is_fault
    return decode(message.body, PROFILE)


@pytest.fixture
def idb_url(client, dataset):
    return endpoints(client, dataset.persona("rights-open"))["IDB"]


@pytest.mark.parametrize("body, key, status", [
    (XXE, "request.forbidden_construct", 400),
    (LAUGHS, "request.forbidden_construct", 400),
    (b"this is not XML at all", "request.malformed_xml", 400),
    (b"<a><b></a>", "request.malformed_xml", 400),
    (b"<?xml version='1.0'?><NotAnEnvelope/>", "request.malformed_xml", 400),
    (b"<a>" * 200 + b"</a>" * 200, "request.forbidden_construct", 400),
])
def test_hostile_or_broken_xml(idb_url, body, key, status):
    response = requests.post(idb_url, data=body, headers=SOAP11, timeout=5)
    fault = _fault(response)
    assert fault.error.key == key
    assert response.status_code == status


def test_oversized_body_is_refused_before_parsing(idb_url):
    response = requests.post(idb_url, data=b"<a>" + b" " * 400_000 + b"</a>", headers=SOAP11, timeout=5)
    assert response.status_code == 413
    assert _fault(response).error.key == "request.too_large"


def test_schema_invalid_request_names_the_offending_element(client, dataset, idb_url):
    persona = dataset.persona("rights-open")
    element = encode(idb_request(client, persona), PROFILE)
    nir = element.find(".//{*}NIR")
    nir.text = "not-a-nir"
    response = requests.post(idb_url, data=envelope("1.1", element), headers=SOAP11, timeout=5)
    fault = _fault(response)
    assert fault.error.key == "request.schema_invalid"
    assert "NIR" in (fault.schema_path or "")


def test_operation_sent_to_the_wrong_service(client, dataset):
    persona = dataset.persona("rights-open")
    urls = endpoints(client, persona)
    body = envelope("1.1", encode(idb_request(client, persona), PROFILE))
    fault = _fault(requests.post(urls["CLC"], data=body, headers=SOAP11, timeout=5))
    assert fault.error.key == "request.unsupported_operation"


def test_replayed_exchange_id_with_other_content_is_refused_and_same_content_replays(client, dataset, idb_url):
    persona = dataset.persona("rights-open")
    request = idb_request(client, persona)
    first = requests.post(idb_url, data=envelope("1.1", encode(request, PROFILE)), headers=SOAP11, timeout=5)
    again = requests.post(idb_url, data=envelope("1.1", encode(request, PROFILE)), headers=SOAP11, timeout=5)
    assert first.status_code == again.status_code == 200 and first.content == again.content
    from dataclasses import replace

    other = replace(request, stay=replace(request.stay, venue_number="9999999999"))
    fault = _fault(requests.post(idb_url, data=envelope("1.1", encode(other, PROFILE)), headers=SOAP11, timeout=5))
    assert fault.error.key == "request.replayed_exchange"


def test_soap_12_is_answered_in_soap_12(client, dataset, idb_url):
    persona = dataset.persona("rights-open")
    body = envelope("1.2", encode(idb_request(client, persona), PROFILE))
    response = requests.post(idb_url, data=body, headers={"Content-Type": "application/soap+xml; charset=utf-8"},
                             timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/soap+xml")
    assert parse_envelope(response.content).version.value == "1.2"


def test_soap_12_fault_uses_sender_code_and_400(idb_url):
    response = requests.post(idb_url, data=b"<broken", headers={"Content-Type": "application/soap+xml"}, timeout=5)
    assert response.status_code == 400
    root = etree.fromstring(response.content)
    assert root.findtext(".//{*}Code/{*}Value").endswith("Sender")


def test_get_without_wsdl_explains_itself(idb_url):
    response = requests.get(idb_url, timeout=5)
    assert response.status_code == 405 and "?wsdl" in response.text


def test_finess_with_a_wrong_check_digit_is_refused(client, dataset, idb_url):
    from dataclasses import replace

    persona = dataset.persona("rights-open")
    request = idb_request(client, persona)
    bad = replace(request, header=replace(request.header, finess_geographique="750000019"))
    fault = _fault(requests.post(idb_url, data=envelope("1.1", encode(bad, PROFILE)), headers=SOAP11, timeout=5))
    assert fault.error.key == "finess.invalid"


def test_a_bench_bug_is_an_internal_error_fault_not_a_traceback(client, dataset, idb_url, monkeypatch):
    from simulators.amc import rules

    def broken(call):
        raise RuntimeError("bug in the rules")

    monkeypatch.setattr(rules, "coverage_for", lambda *args: broken(None))
    persona = dataset.persona("rights-open")
    response = requests.post(idb_url, data=envelope("1.1", encode(idb_request(client, persona), PROFILE)),
                             headers=SOAP11, timeout=5)
    assert response.status_code == 500 and b"Traceback" not in response.content and b"bug in the rules" not in response.content
    message = parse_envelope(response.content, response.headers["Content-Type"])
    assert decode(message.body, PROFILE).error.key == "service.internal_error"
