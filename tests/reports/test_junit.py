import xml.etree.ElementTree as ET

from reports.junit import to_junit_xml, write_junit

from report_samples import MASKED_PAN, PAN


def cases(root):
    return {case.get("name"): case for case in root.iter("testcase")}


def test_junit_parses_back_with_one_testcase_per_scenario(sample_run, tmp_path):
    root = ET.parse(write_junit(sample_run, tmp_path / "junit.xml")).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("4", "1", "1", "1")
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "roc-gap" and suite.get("tests") == "4"
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert properties["suite_version"] == "1.2.0" and properties["seed"] == "42" and properties["profile"] == "bench-roc-1"
    found = cases(root)
    assert list(found) == ["roc.idb.rights-open", "roc.clc.amounts", "roc.flt.timeout", "roc.sim.optional"]
    assert all(case.get("classname") == "roc-gap" for case in found.values())


def test_failures_errors_and_skips(sample_run):
    found = cases(ET.fromstring(to_junit_xml(sample_run)))
    assert [child.tag for child in found["roc.idb.rights-open"]] == ["system-out"]
    failing = found["roc.clc.amounts"]
    failures = failing.findall("failure")
    assert len(failures) == 1  # the optional check's failure is reported in system-out only
    assert failures[0].get("type") == "journal.all_requests_schema_valid"
    assert failures[0].get("message").startswith("Unexpected invalid request")
    body = failures[0].text
    assert "requirements: ROC-MSG-001" in body and "<roc:Montant>-5</roc:Montant>" in body
    assert PAN not in body and MASKED_PAN in body
    assert "fail (optional) journal.count" in failing.find("system-out").text
    (error,) = found["roc.flt.timeout"].findall("error")
    assert error.get("type") == "journal.retry_policy" and "bench error" in error.get("message")
    skipped = found["roc.sim.optional"].find("skipped")
    assert skipped.get("message") == "not applicable to this SUT <script>"


def test_child_order_follows_the_surefire_schema(sample_run):
    order = {"skipped": 0, "error": 1, "failure": 2, "system-out": 3}
    for case in ET.fromstring(to_junit_xml(sample_run)).iter("testcase"):
        ranks = [order[child.tag] for child in case]
        assert ranks == sorted(ranks)


def test_junit_is_deterministic_and_masked(sample_run):
    assert to_junit_xml(sample_run) == to_junit_xml(sample_run)
    assert PAN.encode() not in to_junit_xml(sample_run)
