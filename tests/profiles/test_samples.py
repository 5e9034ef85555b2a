"""Every sample of the profile is valid (or invalid exactly where index.yaml says), for lxml and xmlschema alike."""
from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from simulators.profiles import load_profile
from simulators.profiles.validate import validate_command, validate_document
from simulators.xml import parse_xml


def entries(group: str, *, bare_only: bool = False):
    index = yaml.safe_load((load_profile().root / "samples" / "index.yaml").read_text(encoding="utf-8"))
    chosen = [entry for entry in index[group] if not (bare_only and "soap" in entry)]
    return [pytest.param(entry, id=entry["file"]) for entry in chosen]


def test_one_valid_request_and_answer_per_operation(samples, profile):
    pairs = {(entry.get("operation"), entry.get("role")) for entry in samples["valid"]}
    assert all((op, role) in pairs for op in profile.operations for role in ("request", "answer"))
    assert {entry.get("role") for entry in samples["valid"]} >= {"request", "answer", "fault"}
    assert len(samples["invalid"]) >= 5


@pytest.mark.parametrize("entry", entries("valid"))
def test_valid_samples_validate(entry, profile):
    data = (profile.root / "samples" / entry["file"]).read_bytes()
    report = validate_document(data, profile)
    assert report.ok, report.problems
    assert report.role == entry["role"]
    assert report.operation == entry.get("operation")
    assert report.soap_version == entry.get("soap")


@pytest.mark.parametrize("entry", entries("valid", bare_only=True))
def test_bare_valid_samples_pass_both_validators(entry, profile):
    element = parse_xml((profile.root / "samples" / entry["file"]).read_bytes())
    assert profile.validate(element) == []
    assert profile.explain(element) == []


@pytest.mark.parametrize("entry", entries("invalid"))
def test_invalid_samples_fail_at_the_documented_path(entry, profile):
    data = (profile.root / "samples" / entry["file"]).read_bytes()
    report = validate_document(data, profile)
    assert not report.ok
    assert report.key == "request.schema_invalid"
    assert report.operation == entry.get("operation")
    assert entry["path"] in [problem.path for problem in report.problems]
    assert all(problem.reason for problem in report.problems)


def test_validate_document_reports_unreadable_and_foreign_documents(profile):
    report = validate_document(b"<!DOCTYPE a [<!ENTITY b 'c'>]><a/>", profile)
    assert (report.ok, report.key) == (False, "request.forbidden_construct")
    report = validate_document(b'<Ping xmlns="urn:other"/>', profile)
    assert (report.ok, report.key, report.problems[0].path) == (False, "request.unsupported_operation", "/Ping")
    fault_without_detail = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        b"<faultcode>s:Server</faultcode><faultstring>x</faultstring></s:Fault></s:Body></s:Envelope>"
    )
    report = validate_document(fault_without_detail, profile)
    assert (report.ok, report.role) == (False, "fault")


def test_validate_command_exit_status_and_output(profile, tmp_path):
    folder = profile.root / "samples"
    runner = CliRunner()
    ok = runner.invoke(validate_command, [str(folder / "idb-request.xml"), str(folder / "fault-erreur2.soap12.xml")])
    assert ok.exit_code == 0, ok.output
    assert "valid (IDB request, bench-roc-1)" in ok.output
    bad = runner.invoke(validate_command, [str(folder / "invalid" / "idb-request-bad-nir.xml")])
    assert bad.exit_code == 1
    assert "INVALID [request.schema_invalid]" in bad.output
    assert "/IDBRequete/PatientBeneficiaire/NIR" in bad.output
