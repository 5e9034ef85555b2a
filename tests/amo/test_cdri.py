"""CDRi over a real socket: the answer for each AMO case and several personas, faults, hardening, journal."""
from __future__ import annotations

from dataclasses import replace

import pytest
import requests
from lxml import etree

from simulators.amo.messages import CdriRequest
from simulators.amo.rights import AmoStatus, ExonerationReason, Quality
from simulators.domain import Nir
from simulators.gap.client import RocFaultError
from simulators.soap import envelope, http_headers

from .conftest import journal

EXPECTED = {  # case -> (status, exoneration reasons, CSS?)
    "amo-open": (AmoStatus.OPEN, [], False),
    "amo-dependant": (AmoStatus.OPEN, [], False),
    "amo-rights-closed": (AmoStatus.CLOSED, [], False),
    "amo-rights-not-yet-open": (AmoStatus.NOT_YET_OPEN, [], False),
    "amo-ald": (AmoStatus.OPEN, [ExonerationReason.ALD], False),
    "amo-maternity": (AmoStatus.OPEN, [ExonerationReason.MATERNITY], False),
    "amo-work-accident": (AmoStatus.OPEN, [ExonerationReason.WORK_ACCIDENT], False),
    "amo-css": (AmoStatus.OPEN, [], True),
    "amo-msa": (AmoStatus.OPEN, [], False),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cdri_answers_each_case(cdri, cases, name):
    case = cases[name]
    answer = cdri.rights(case.beneficiary, case.stay.admission_date)
    status, reasons, css = EXPECTED[name]
    assert answer.status is status
    assert [e.reason for e in answer.exonerations] == reasons
    assert (answer.css is not None) == css
    assert answer.organisme == case.record.organisme
    assert answer.periods == case.record.periods
    sent = etree.fromstring(cdri.soap.last_sent).xpath("//*[local-name()='IdentifiantEchange']/text()")
    assert [answer.header.exchange_id] == sent


def test_dependant_carries_the_insured_nir(cdri, cases):
    case = cases["amo-dependant"]
    answer = cdri.rights(case.beneficiary, case.stay.admission_date)
    assert (answer.quality, answer.rang_beneficiaire, answer.insured) == (
        Quality.DEPENDANT, 2, case.beneficiary.insured_nir)


@pytest.mark.parametrize("persona", ["rights-open", "corsica-nir", "lunar-birth-date", "had-stay", "rights-closed",
                                     "unknown-beneficiary"])
def test_personas_have_open_amo_rights(cdri, dataset, persona):
    """The AMC may refuse these patients (rights-closed, unknown-beneficiary); the AMO knows them all."""
    found = dataset.persona(persona)
    answer = cdri.rights(found.beneficiary, found.stay.admission_date)
    assert answer.status is AmoStatus.OPEN
    assert answer.quality is Quality.INSURED and answer.insured is None


@pytest.mark.parametrize("change, key", [
    (lambda b: replace(b, nir=Nir(b.nir.body, b.nir.key % 97 + 1)), "beneficiary.nir_key_invalid"),
    (lambda b: replace(b, rang_naissance=3), "beneficiary.identity_mismatch"),
])
def test_mistyped_identity_is_a_fault(cdri, dataset, change, key):
    found = dataset.persona("rights-open")
    with pytest.raises(RocFaultError) as caught:
        cdri.rights(change(found.beneficiary), found.stay.admission_date)
    assert caught.value.key == key


def test_unknown_beneficiary_fault_and_journal(server, session, cdri, cases):
    case = cases["amo-unknown"]
    with pytest.raises(RocFaultError) as caught:
        cdri.rights(case.beneficiary, case.stay.admission_date)
    assert (caught.value.key, caught.value.fault.error.code) == ("beneficiary.unknown", "2001")
    cdri.rights(cases["amo-open"].beneficiary, cases["amo-open"].stay.admission_date)
    entries = [(e["actor"], e["service"], e["outcome"]) for e in journal(server, session)]
    assert entries == [("cdri", "CDRI", "fault:beneficiary.unknown"), ("cdri", "CDRI", "ok")]


def test_soap_12_and_behaviours(server, session, cases):
    from simulators.amo.client import CdriClient

    requests.post(f"{server.url}/_bench/sessions/{session}/behaviours", timeout=5,
                  json={"name": "soap_fault:service.unavailable", "actor": "cdri", "count": 1}).raise_for_status()
    case = cases["amo-open"]
    with CdriClient(f"{server.url}/s/{session}/amo/cdri", soap_version="1.2", timeout=5) as client:
        with pytest.raises(RocFaultError) as caught:
            client.rights(case.beneficiary, case.stay.admission_date)
        assert (caught.value.key, caught.value.status) == ("service.unavailable", 503)
        assert client.rights(case.beneficiary, case.stay.admission_date).status is AmoStatus.OPEN


def test_wsdl_is_published_with_the_endpoint_address(server, session):
    response = requests.get(f"{server.url}/s/{session}/amo/cdri?wsdl", timeout=5)
    root = etree.fromstring(response.content)
    addresses = root.xpath("//*[local-name()='address']/@location")
    assert addresses == [f"{server.url}/s/{session}/amo/cdri"] * 2
    assert root.xpath("//*[local-name()='operation']/@soapAction")[0] == \
        "urn:simphonie-bench:bench-cdri-1:CDRI:ConsulterDroits"


def _post(server, session, body: bytes, action: str = "urn:simphonie-bench:bench-cdri-1:CDRI:ConsulterDroits"):
    return requests.post(f"{server.url}/s/{session}/amo/cdri", data=body, headers=http_headers("1.1", action),
                         timeout=5)


def _fault_code(response) -> str:
    root = etree.fromstring(response.content)
    return root.xpath("//*[local-name()='Code']/text()")[0]


def test_hardening_refuses_dtd_schema_errors_and_foreign_messages(server, session, cdri, cases):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&a;</soap:Body>'
            b'</soap:Envelope>')
    assert _fault_code(_post(server, session, bomb)) == "1004"
    from simulators.roc.codec import encode

    case = cases["amo-open"]
    request = CdriRequest(cdri.soap.header(), case.beneficiary, case.stay.admission_date)
    body = etree.tostring(encode(request, cdri.soap.profile)).replace(b"<cdri:DateSoins>", b"<cdri:DateSoins>x")
    response = _post(server, session, envelope("1.1", etree.fromstring(body)))
    assert _fault_code(response) == "1002"
    assert b"/CDRiRequete/DateSoins" in response.content
    roc_message = b'<roc:ANNRequete xmlns:roc="urn:simphonie-bench:bench-roc-1:roc"/>'
    assert _fault_code(_post(server, session, envelope("1.1", etree.fromstring(roc_message)))) == "1002"
    outcomes = [e["outcome"] for e in journal(server, session)]
    assert outcomes == ["fault:request.forbidden_construct"] + ["fault:request.schema_invalid"] * 2
