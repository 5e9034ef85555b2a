"""Reading answers under load: values by pattern, failures decoded, sampled validation counted."""
from __future__ import annotations

from pathlib import Path

import pytest

from load.answers import AnswerReader, FaultReader, SampledValidation, ValidationTally
from load.templates import CDRI, CDRI_PROFILE
from simulators.profiles import load_profile
from simulators.soap import envelope
from simulators.xml import parse_xml

SAMPLES = Path(load_profile().root) / "samples"


def _enveloped(name: str, version: str = "1.1") -> bytes:
    return envelope(version, parse_xml((SAMPLES / name).read_bytes()))


@pytest.fixture(scope="module")
def reader():
    return AnswerReader(load_profile())


def test_the_reference_and_the_commitment_number_are_read_without_parsing(reader):
    assert reader.idb_reference(_enveloped("idb-answer.xml")) == "IDB-2026-000042"
    assert reader.commitment_number(_enveloped("clc-answer.xml")) == "ENG-2026-000007"
    assert reader.commitment_number((SAMPLES / "clc-answer.soap12.xml").read_bytes()) == "ENG-2026-000007"
    assert reader.idb_reference(_enveloped("sim-answer.xml")) is None


def test_annuaire_endpoints_are_decoded(reader):
    endpoints = reader.endpoints(_enveloped("annuaire-answer.xml"), "text/xml")
    assert endpoints == {service: f"https://amc.example.invalid/roc/{service.lower()}"
                         for service in ("IDB", "SIM", "CLC", "ANN")}
    assert reader.endpoints(_enveloped("idb-answer.xml"), None) is None
    assert reader.endpoints(b"<not-soap/>", None) is None


def test_failures_say_why(reader):
    assert reader.failure(200, _enveloped("idb-answer.xml"), "text/xml") is None
    fault = (SAMPLES / "fault-erreur2.soap12.xml").read_bytes()
    assert reader.failure(400, fault, "application/soap+xml") == "SOAP fault 3001 (rights.closed)"
    assert reader.failure(503, b"503 Service Unavailable\n", "text/plain").startswith("HTTP 503, not SOAP: ")
    assert reader.failure(0, b"", None) == "no answer (connection failed or timed out)"
    assert reader.failure(500, _enveloped("idb-answer.xml"), "text/xml") == "HTTP 500 with a non-fault SOAP body"


def test_sampled_validation_counts_valid_and_invalid_answers():
    profile = load_profile()
    tally = ValidationTally()
    validation = SampledValidation(profile, 1.0, tally)
    assert validation.check("CLC", _enveloped("clc-answer.xml"), "text/xml") is None
    broken = validation.check("CLC", _enveloped("invalid/clc-answer-amount-3-decimals.xml"), "text/xml")
    assert broken.startswith("CLC answer breaks the profile schema: /CLCReponse/Devis/LigneDevis[1]/MontantAMC")
    wrong = validation.check("IDB", _enveloped("clc-answer.xml"), "text/xml")
    assert wrong.startswith("IDB answer: expected <IDBReponse>, received <{")
    assert (tally.sampled, tally.valid, tally.invalid, len(tally.examples)) == (3, 1, 2, 2)
    SampledValidation(profile, 0.0, tally).check("CLC", b"anything", None)
    assert tally.sampled == 3


def test_tallies_travel_from_workers_to_the_master():
    worker, master = ValidationTally(), ValidationTally()
    for problem in (None, None, "bad 1", "bad 2"):
        worker.add(problem)
    master.merge(worker.drain())
    master.merge(worker.drain())  # drained: nothing twice
    master.merge(None)
    assert master.to_dict() == {"sampled": 4, "valid": 2, "invalid": 2, "examples": ["bad 1", "bad 2"]}
    for index in range(10):
        worker.add(f"more {index}")
    master.merge(worker.drain())
    assert master.invalid == 12 and len(master.examples) == 5


def test_patterns_accept_any_prefix_attributes_and_spaces(reader):
    assert reader.idb_reference(b'<e><x:ReferenceIDB xmlns:x="urn:x" a="1"> IDBX1 </x:ReferenceIDB></e>') == "IDBX1"
    assert reader.idb_reference(b"<ReferenceIDB>IDBX2</ReferenceIDB>") == "IDBX2"
    assert reader.idb_reference(b"<ReferenceIDBs>IDBX3</ReferenceIDBs>") is None


def test_cdri_faults_say_their_key_and_cdri_answers_validate_against_the_cdri_profile():
    cdri = load_profile(CDRI_PROFILE)
    samples = Path(cdri.root) / "samples"
    answer = envelope("1.1", parse_xml((samples / "cdri-answer.xml").read_bytes()))
    reader = FaultReader(cdri)
    assert reader.failure(200, answer, "text/xml") is None
    fault = (samples / "fault-erreur.soap11.xml").read_bytes()
    assert reader.failure(500, fault, "text/xml") == "SOAP fault 2001 (beneficiary.unknown)"
    tally = ValidationTally()
    validation = SampledValidation(cdri, 1.0, tally)
    assert validation.check(CDRI, answer, "text/xml") is None
    assert validation.check(CDRI, (samples / "cdri-answer-css.soap12.xml").read_bytes(),
                            "application/soap+xml") is None
    broken = envelope("1.1", parse_xml((samples / "invalid/cdri-answer-unknown-exoneration.xml").read_bytes()))
    assert validation.check(CDRI, broken, "text/xml").startswith("CDRI answer breaks the profile schema: /CDRiReponse")
    roc_answer = _enveloped("idb-answer.xml")
    assert validation.check(CDRI, roc_answer, "text/xml").startswith("CDRI answer: expected <CDRiReponse>")
    assert (tally.sampled, tally.valid, tally.invalid) == (4, 2, 2)
