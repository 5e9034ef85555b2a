"""load_profile: identity, services, operations, lookups, errors for unknown profiles."""
from __future__ import annotations

import shutil

import pytest
from lxml import etree

from simulators.profiles import ProfileError, load_profile
from simulators.xml import XmlRejected


def test_profile_is_cached_and_describes_itself(profile):
    assert load_profile() is profile
    assert (profile.name, profile.version) == ("bench-roc-1", "1.0.0")
    assert profile.namespaces["messages"].startswith("urn:")


def test_services_and_operations(profile):
    assert sorted(profile.services) == ["ANN", "ANNUAIRE", "CLC", "IDB", "SIM"]
    assert profile.service("ANN").name == "ANN"
    for service in profile.services.values():
        assert service.operations, service.id
        assert service.wsdl_file.is_file() and service.xsd_file.is_file()
    idb = profile.operation("IDB")
    assert etree.QName(idb.request_tag).localname == "IDBRequete"
    assert profile.operation_by_action(f'"{idb.soap_action}"') is idb
    assert profile.operation_by_action("urn:nothing") is None


def test_operation_for_requests_and_answers(profile):
    for op in profile.operations.values():
        assert profile.operation_for(etree.Element(op.request_tag)) == op.id
        assert profile.operation_for(etree.Element(op.answer_tag)) == op.id
        assert profile.role_of(etree.Element(op.request_tag)) == "request"
        assert profile.role_of(etree.Element(op.answer_tag)) == "answer"


def test_operation_for_an_unknown_element_names_the_expected_ones(profile):
    with pytest.raises(XmlRejected) as info:
        profile.operation_for(etree.Element("{urn:other}Ping"))
    assert info.value.key == "request.unsupported_operation"
    assert "IDBRequete" in info.value.message


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ProfileError, match="unknown profile 'no-such'.*bench-roc-1"):
        load_profile("no-such")


def test_a_profile_folder_can_be_loaded_by_path(profile, tmp_path):
    copy = tmp_path / "official_roc"
    shutil.copytree(profile.root, copy)
    other = load_profile(str(copy))
    assert other is not profile and other.name == profile.name
    assert other.validate(etree.fromstring(profile.xsd("idb.xsd"))) != []  # an XSD is not a message


def test_a_broken_mapping_says_which_key(profile, tmp_path):
    copy = tmp_path / "broken"
    shutil.copytree(profile.root, copy)
    mapping = copy / "mapping.yaml"
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(text.replace("  ANN:\n    service: ANN", "  ANN:\n    service: nowhere"), encoding="utf-8")
    with pytest.raises(ProfileError, match="operation 'ANN' names unknown service 'nowhere'"):
        load_profile(str(copy))


def test_xsd_publishing_only_serves_profile_schemas(profile):
    assert "common.xsd" in profile.xsd_names
    published = profile.xsd("idb.xsd", "http://bench/amc/a/idb")
    assert b'schemaLocation="http://bench/amc/a/idb?xsd=common.xsd"' in published
    assert profile.xsd("common.xsd") == (profile.root / "xsd" / "common.xsd").read_bytes()
    with pytest.raises(KeyError):
        profile.xsd("../profile.yaml")
