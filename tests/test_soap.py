"""SOAP 1.1 / 1.2 envelopes and faults carrying the profile's <Erreur>/<Erreur2>."""
from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from simulators.domain.contracts import Contact
from simulators.profiles import load_profile
from simulators.soap import (
    SPECS,
    SoapVersion,
    content_type,
    envelope,
    fault,
    fault_status,
    http_headers,
    parse_envelope,
    parse_fault,
    requested_action,
)
from simulators.xml import XmlRejected

S11 = SPECS[SoapVersion.V11].namespace
S12 = SPECS[SoapVersion.V12].namespace
CONTACT = Contact("Plateforme ROC", "+33 1 00 00 00 00", "roc@amc.invalid")
SOAP11_XSD = Path(xmlschema.__file__).parent / "schemas" / "WSDL" / "soap-envelope.xsd"


@pytest.fixture(scope="module")
def profile():
    return load_profile()


def payload() -> etree._Element:
    element = etree.Element("{urn:t}Ping")
    etree.SubElement(element, "{urn:t}Value").text = "1"
    return element


@pytest.mark.parametrize("version, media", [("1.1", "text/xml; charset=utf-8"), ("1.2", "application/soap+xml")])
def test_envelope_round_trip_detects_the_version(version, media):
    data = envelope(version, payload())
    message = parse_envelope(data, media)
    assert message.version is SoapVersion(version)
    assert message.body.tag == "{urn:t}Ping"
    assert message.header is None
    assert not message.is_fault


def test_header_is_returned_and_comments_are_ignored():
    data = f"""<s:Envelope xmlns:s="{S12}"><!-- c --><s:Header><h xmlns="urn:h"/></s:Header>
      <s:Body><!-- c --><p xmlns="urn:t"/></s:Body></s:Envelope>""".encode()
    message = parse_envelope(data, None)
    assert message.header is not None and message.header[0].tag == "{urn:h}h"
    assert message.body.tag == "{urn:t}p"


@pytest.mark.parametrize(
    "data, media, words",
    [
        (b'<a xmlns="urn:t"/>', None, "expected a SOAP"),
        (f'<s:Envelope xmlns:s="{S11}"><s:Header/></s:Envelope>'.encode(), None, "no Body"),
        (f'<s:Envelope xmlns:s="{S11}"><s:Body/></s:Envelope>'.encode(), None, "exactly one element"),
        (f'<s:Envelope xmlns:s="{S11}"><s:Body><a/><b/></s:Body></s:Envelope>'.encode(), None, "found 2"),
        (f'<s:Envelope xmlns:s="{S11}"><s:Body><a/></s:Body><x/></s:Envelope>'.encode(), None, "unexpected"),
        (f'<s:Envelope xmlns:s="{S11}"><s:Body><a/></s:Body></s:Envelope>'.encode(), "application/soap+xml",
         "announces SOAP 1.2"),
        (f'<s:Envelope xmlns:s="{S12}"><s:Body><a/></s:Body></s:Envelope>'.encode(), "text/xml", "announces SOAP 1.1"),
    ],
)
def test_not_a_usable_envelope_is_malformed(data, media, words):
    with pytest.raises(XmlRejected) as info:
        parse_envelope(data, media)
    assert info.value.key == "request.malformed_xml"
    assert words in info.value.message


def test_parse_errors_keep_their_own_keys():
    with pytest.raises(XmlRejected) as info:
        parse_envelope(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', "text/xml")
    assert info.value.key == "request.forbidden_construct"


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("with_contact", [False, True], ids=["Erreur", "Erreur2"])
def test_fault_detail_validates_against_the_profile(profile, version, with_contact):
    error = profile.errors.by_key("request.schema_invalid")
    data = fault(
        version, error, contact=CONTACT if with_contact else None, detail_text="bad NIR",
        schema_path="/IDBRequete/PatientBeneficiaire/NIR", profile=profile,
    )
    message = parse_envelope(data, content_type(version))
    assert message.is_fault
    parsed = parse_fault(message.body)
    assert parsed.side == "client"
    assert parsed.detail is not None
    assert etree.QName(parsed.detail).localname == ("Erreur2" if with_contact else "Erreur")
    assert profile.validate(parsed.detail) == []
    assert parsed.reason == f"{error.code} {error.label}"


def test_soap11_fault_envelope_validates_against_the_w3c_schema(profile):
    schema = xmlschema.XMLSchema(str(SOAP11_XSD))
    data = fault("1.1", profile.errors.by_key("rights.closed"), contact=CONTACT, profile=profile)
    schema.validate(etree.fromstring(data))
    assert b"<faultcode>soap:Client</faultcode>" in data


def test_soap12_fault_has_code_reason_with_language_and_detail(profile):
    data = fault("1.2", profile.errors.by_key("service.unavailable"), profile=profile)
    root = etree.fromstring(data)
    fault_element = root.find(f"{{{S12}}}Body/{{{S12}}}Fault")
    children = [etree.QName(child).localname for child in fault_element]
    assert children == ["Code", "Reason", "Detail"]
    assert fault_element.findtext(f"{{{S12}}}Code/{{{S12}}}Value") == "env:Receiver"
    text = fault_element.find(f"{{{S12}}}Reason/{{{S12}}}Text")
    assert text.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"


@pytest.mark.parametrize(
    "version, key, code",
    [("1.1", "beneficiary.unknown", "soap:Client"), ("1.1", "service.internal_error", "soap:Server"),
     ("1.2", "beneficiary.unknown", "env:Sender"), ("1.2", "service.timeout", "env:Receiver")],
)
def test_fault_code_follows_the_catalogue_side(profile, version, key, code):
    error = profile.errors.by_key(key)
    parsed = parse_fault(parse_envelope(fault(version, error, profile=profile)).body)
    assert parsed.code == code
    assert parsed.side == error.side


def test_fault_detail_text_is_made_xml_safe(profile):
    data = fault("1.1", profile.errors.by_key("request.malformed_xml"), detail_text="bad \x00 byte", profile=profile)
    assert b"\xef\xbf\xbd" in data  # U+FFFD replaced the NUL


def test_foreign_faults_parse_tolerantly():
    data = f"""<s:Envelope xmlns:s="{S11}"><s:Body><s:Fault><faultcode>s:Server.Busy</faultcode>
      <faultstring>busy</faultstring></s:Fault></s:Body></s:Envelope>""".encode()
    parsed = parse_fault(parse_envelope(data).body)
    assert (parsed.side, parsed.reason, parsed.detail) == ("server", "busy", None)


def test_http_status_of_faults():
    assert fault_status("1.1", "client") == 500
    assert fault_status("1.2", "client") == 400
    assert fault_status("1.2", "server") == 500


def test_http_headers_carry_the_action_per_version():
    h11 = http_headers("1.1", "urn:a:Op")
    assert h11 == {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:a:Op"'}
    assert requested_action("1.1", {"soapaction": '"urn:a:Op"'}, h11["Content-Type"]) == "urn:a:Op"
    h12 = http_headers("1.2", "urn:a:Op")
    assert h12["Content-Type"] == 'application/soap+xml; charset=utf-8; action="urn:a:Op"'
    assert requested_action("1.2", {}, h12["Content-Type"]) == "urn:a:Op"
    assert requested_action("1.2", {}, "application/soap+xml") is None
