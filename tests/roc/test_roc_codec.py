"""Codecs: every message round-trips, samples decode to the examples, anything unreadable is a DecodeError."""
from __future__ import annotations

import random
from dataclasses import replace

import pytest
from lxml import etree

from simulators.domain.identifiers import Nir
from simulators.domain.people import BirthDate
from simulators.profiles import load_profile
from simulators.roc import DecodeError, RocFault, decode, encode
from simulators.roc.examples import AMC_CONTACT, messages
from simulators.soap import SoapVersion, envelope, parse_envelope
from simulators.xml import parse_xml

EXAMPLES = messages()
SAMPLE_FILES = {key: f"{key.lower().replace('.', '-')}.xml" for key in EXAMPLES}


@pytest.fixture(scope="module")
def profile():
    return load_profile()


def sample(profile, key: str) -> etree._Element:
    return parse_xml((profile.root / "samples" / SAMPLE_FILES[key]).read_bytes())


@pytest.mark.parametrize("key", EXAMPLES)
def test_round_trip_is_exact_and_schema_valid(profile, key):
    message = EXAMPLES[key]
    element = encode(message, profile)
    assert profile.validate(element) == []
    assert decode(element, profile) == message


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("key", EXAMPLES)
def test_round_trip_through_soap_bytes(profile, key, version):
    data = envelope(version, encode(EXAMPLES[key], profile))
    assert decode(parse_envelope(data).body, profile) == EXAMPLES[key]


@pytest.mark.parametrize("key", EXAMPLES)
def test_samples_are_the_encoded_examples(profile, key):
    """Each sample is the example set rendered for the day in its own header (samples are dated documents)."""
    element = sample(profile, key)
    decoded = decode(element, profile)
    example = messages(decoded.header.timestamp.date())[key]
    assert decoded == example
    expected = etree.tostring(encode(example, profile), method="c14n")
    compact = etree.fromstring(etree.tostring(element, method="c14n"), etree.XMLParser(remove_blank_text=True))
    assert etree.tostring(compact, method="c14n") == expected


@pytest.mark.parametrize("version", list(SoapVersion))
@pytest.mark.parametrize("with_contact", [False, True], ids=["Erreur", "Erreur2"])
@pytest.mark.parametrize("key", ["request.schema_invalid", "commitment.already_invoiced", "service.unavailable"])
def test_faults_round_trip(profile, version, with_contact, key):
    fault = RocFault(
        version, profile.errors.by_key(key), AMC_CONTACT if with_contact else None, "détail", "/CLCRequete/Ligne[2]"
    )
    element = encode(fault, profile)
    assert decode(element, profile) == fault
    assert decode(parse_envelope(envelope(version, element)).body, profile) == fault


@pytest.mark.parametrize("day", ["2026-12-31", "2027-01-01", "2028-02-29", "2030-06-15"])
def test_the_example_set_is_consistent_on_any_day(profile, day):
    """Stay inside the attestation and the rights, commitment from the stay on, route valid after the call."""
    from datetime import date

    stay_day = date.fromisoformat(day)
    examples = messages(stay_day)
    idb, clc = examples["IDB.request"], examples["CLC.answer"]
    assert idb.attestation.valid_from <= idb.stay.admission_date <= idb.attestation.valid_to
    coverage = examples["IDB.answer"].coverage
    assert coverage.valid_from <= stay_day <= coverage.valid_to
    assert clc.valid_from == stay_day < clc.valid_to
    assert examples["ANNUAIRE.answer"].valid_until > stay_day
    for key, message in examples.items():
        element = encode(message, profile)
        assert profile.validate(element) == [], key
        assert decode(element, profile) == message


def test_a_fault_code_unknown_to_the_catalogue_still_decodes(profile):
    fault = RocFault(SoapVersion.V11, replace(profile.errors.by_key("service.unavailable"), key=None, code="ZZ99"))
    decoded = decode(encode(fault, profile), profile)
    assert decoded.error.key is None
    assert (decoded.error.code, decoded.error.side) == ("ZZ99", "server")


def test_a_fault_without_profile_detail_decodes_from_the_soap_reason(profile):
    data = b"""<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault>
      <s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang="en">down</s:Text></s:Reason>
      </s:Fault></s:Body></s:Envelope>"""
    decoded = decode(parse_envelope(data).body, profile)
    assert (decoded.version, decoded.error.key, decoded.error.label, decoded.error.side) == (
        SoapVersion.V12, None, "down", "server")


def test_unknown_refusal_codes_survive_a_round_trip(profile):
    answer = EXAMPLES["SIM.answer"]
    line = replace(answer.quote.lines[2], refusal="code:4999")
    message = replace(answer, quote=replace(answer.quote, lines=(*answer.quote.lines[:2], line)))
    element = encode(message, profile)
    assert b"<roc:MotifRefus>4999</roc:MotifRefus>" in etree.tostring(element)
    assert decode(element, profile) == message


def test_schema_valid_variants_decode(profile):
    """Prefixes, whitespace XSD collapses, comments, lexical variants and semantically wrong values all read."""
    text = etree.tostring(sample(profile, "IDB.request")).decode()
    text = text.replace("roc:", "x:").replace("xmlns:roc=", "xmlns:x=")
    text = text.replace("<x:DateEntree>2026-03-02<", "<x:DateEntree>\n 2026-03-02 <")
    text = text.replace("<x:Urgence>false<", "<x:Urgence> 0 <")
    text = text.replace("<x:RangNaissance>2<", "<x:RangNaissance><!-- twin -->2<")
    text = text.replace("<x:Nom>Dupont-Lefèvre<", "<x:Nom>Dupont<!-- c -->-Lefèvre<")
    text = text.replace("<x:CleNIR>55<", "<x:CleNIR>12<")  # wrong key: the AMC answers it, not the parser
    text = text.replace("<x:DateNaissance>1985-07-00<", "<x:DateNaissance>2023-02-30<")
    element = etree.fromstring(text.encode())
    assert profile.validate(element) == []
    message = decode(element, profile)
    original = messages(message.header.timestamp.date())["IDB.request"]
    assert message.stay == original.stay
    assert message.beneficiary.last_name == "Dupont-Lefèvre"
    assert message.beneficiary.nir == Nir("2850775123456", 12)
    assert message.beneficiary.birth_date == BirthDate(2023, 2, 30)


@pytest.mark.parametrize(
    "old, new, key, path",
    [
        ("<roc:ReferenceIDB>IDB-2026-000042</roc:ReferenceIDB>", "", "request.schema_invalid", "/SIMRequete"),
        ("<roc:PrixUnitaire>650.00</roc:PrixUnitaire>", "<roc:PrixUnitaire>six</roc:PrixUnitaire>",
         "amounts.incoherent", "/SIMRequete/Ligne/PrixUnitaire"),
        ("<roc:DateEntree>2026-03-02</roc:DateEntree>", "<roc:DateEntree>2026-13-02</roc:DateEntree>",
         "request.schema_invalid", "/SIMRequete/Venue/DateEntree"),
        ("<roc:Domaine>MCO</roc:Domaine>", "<roc:Domaine>XYZ</roc:Domaine>", "request.schema_invalid",
         "/SIMRequete/Venue/Domaine"),
        ("<roc:Urgence>false</roc:Urgence>", "<roc:Urgence>false</roc:Urgence><roc:Urgence>true</roc:Urgence>",
         "request.schema_invalid", "/SIMRequete/Venue/Urgence"),
        ("<roc:Urgence>false</roc:Urgence>", "<roc:Urgence>false</roc:Urgence><roc:Pays>FR</roc:Pays>",
         "request.schema_invalid", "/SIMRequete/Venue/Pays"),
        ("<roc:Nom>Dupont-Lefèvre</roc:Nom>", "<roc:Nom><roc:X/></roc:Nom>", "request.schema_invalid",
         "/SIMRequete/PatientBeneficiaire/Nom"),
    ],
)
def test_unreadable_messages_raise_decode_errors_with_key_and_path(profile, old, new, key, path):
    text = etree.tostring(sample(profile, "SIM.request"), encoding="unicode")
    assert old in text
    element = etree.fromstring(text.replace(old, new, 1))
    with pytest.raises(DecodeError) as info:
        decode(element, profile)
    assert (info.value.key, info.value.path) == (key, path)


def test_decoding_a_foreign_element_is_an_unsupported_operation(profile):
    with pytest.raises(DecodeError) as info:
        decode(etree.Element("{urn:x}Ping"), profile)
    assert info.value.key == "request.unsupported_operation"


def test_encoding_an_unknown_type_is_a_type_error(profile):
    with pytest.raises(TypeError):
        encode(object(), profile)


def mutations(element: etree._Element, rng: random.Random):
    """Small structural and textual mutations of a message (deterministic)."""
    nodes = [node for node in element.iter() if node is not element]
    node = rng.choice(nodes)
    action = rng.choice(["drop", "duplicate", "text", "empty", "move"])
    if action == "drop":
        node.getparent().remove(node)
    elif action == "duplicate":
        node.addnext(etree.fromstring(etree.tostring(node)))
    elif action == "text":
        node.text = rng.choice(["", " ", "x", "-1", "1e3", "9" * 20, "2026-02-30", "true", "00", "\u0663", "A" * 300])
    elif action == "empty":
        for child in list(node):
            node.remove(child)
    else:
        parent = node.getparent()
        parent.remove(node)
        parent.insert(0, node)


@pytest.mark.parametrize("key", EXAMPLES)
def test_mutated_messages_decode_or_raise_decode_error(profile, key):
    """Robustness: whatever the mutation, decode returns a message or a DecodeError; schema-valid ones decode."""
    rng = random.Random(f"mutations-{key}")
    valid_after_mutation = 0
    for _ in range(60):
        element = encode(EXAMPLES[key], profile)
        for _ in range(rng.randint(1, 3)):
            mutations(element, rng)
        schema_valid = profile.validate(element) == []
        try:
            decode(element, profile)
        except DecodeError:
            assert not schema_valid, etree.tostring(element)
        valid_after_mutation += schema_valid
    assert valid_after_mutation < 60
