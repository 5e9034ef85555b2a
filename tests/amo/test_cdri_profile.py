"""bench-cdri-1: loads with the shared loader, its files agree with its mapping, its samples validate."""
from __future__ import annotations

import pytest
import yaml
from lxml import etree

from simulators.amo import records as _records  # noqa: F401  (CDRi codecs)
from simulators.profiles import load_profile
from simulators.profiles.validate import validate_document
from simulators.roc.codec import decode, encode
from simulators.xml import parse_xml

PROFILE = load_profile("bench-cdri-1")
INDEX = yaml.safe_load((PROFILE.root / "samples" / "index.yaml").read_text(encoding="utf-8"))
CODE_TYPES = {"amo_status": "StatutDroits", "quality": "Qualite", "exoneration": "MotifExoneration"}


def test_profile_loads_next_to_the_roc_profile():
    roc = load_profile("bench-roc-1")
    assert (PROFILE.name, list(PROFILE.operations), list(roc.operations)[:2]) == (
        "bench-cdri-1", ["CDRI"], ["ANNUAIRE", "IDB"])
    assert PROFILE.errors.by_key("beneficiary.unknown").code == roc.errors.by_key("beneficiary.unknown").code


@pytest.mark.parametrize("table, type_name", CODE_TYPES.items())
def test_code_tables_match_xsd_enumerations(table, type_name):
    simple = PROFILE.xmlschema.maps.types[f"{{{PROFILE.names.messages_ns}}}{type_name}"]
    assert set(PROFILE.names.code_table(table).values()) == set(simple.enumeration)


def test_wsdl_names_come_from_the_mapping():
    root = etree.parse(str(PROFILE.service("CDRI").wsdl_file)).getroot()
    names = PROFILE.names.services["CDRI"]
    operation = PROFILE.operation("CDRI")
    assert root.xpath("*[local-name()='service']/@name") == [names.wsdl_service]
    assert root.xpath("*[local-name()='portType']/@name") == [names.port_type]
    assert set(root.xpath("//*[local-name()='operation']/@soapAction")) == {operation.soap_action}
    assert set(root.xpath("*[local-name()='portType']/*/@name")) == {operation.name}


@pytest.mark.parametrize("entry", INDEX["valid"], ids=lambda e: e["file"])
def test_valid_samples_validate_and_round_trip(entry):
    data = (PROFILE.root / "samples" / entry["file"]).read_bytes()
    report = validate_document(data, PROFILE)
    assert report.ok, report.problems
    assert (report.role, report.operation, report.soap_version) == (entry["role"], entry.get("operation"),
                                                                    entry.get("soap"))
    if "soap" not in entry:
        element = parse_xml(data)
        message = decode(element, PROFILE)
        assert decode(encode(message, PROFILE), PROFILE) == message


@pytest.mark.parametrize("entry", INDEX["invalid"], ids=lambda e: e["file"])
def test_invalid_samples_fail_at_the_documented_path(entry):
    report = validate_document((PROFILE.root / "samples" / entry["file"]).read_bytes(), PROFILE)
    assert not report.ok and report.key == "request.schema_invalid"
    assert entry["path"] in [problem.path for problem in report.problems]


def test_roc_codecs_ignore_the_cdri_records():
    """The shared codec registry compiles, per profile, the records its mapping names."""
    roc = load_profile("bench-roc-1")
    sample = parse_xml((roc.root / "samples" / "idb-request.xml").read_bytes())
    assert type(decode(sample, roc)).__name__ == "IdbRequest"
    with pytest.raises(Exception) as caught:
        decode(sample, PROFILE)
    assert getattr(caught.value, "key", None) == "request.unsupported_operation"
