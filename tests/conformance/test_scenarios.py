import json
import re
import textwrap

import jsonschema
import pytest

from conformance.checks import builtin
from conformance.scenarios import (SCHEMA_PATH, AwaitStep, DriveStep, ExpectStep, GivenStep, SendStep, load_suite,
                                   load_suites, read_yaml, select)

GOOD = """\
scenarios:
  - id: roc.idb.rights-open
    title: Rights open at admission
    tags: [smoke, roc]
    requirements: [ROC-IDB-001]
    steps:
      - given:
          persona: rights-open
          behaviours: [latency:1400ms, {name: timeout, service: CLC, times: 1}]
          clock: 2026-03-02
      - drive: {action: admit, params: {venue: V1}}
      - await: {service: IDB, timeout: 1500ms}
      - title: IDB came after the annuaire
        expect:
          - journal.no_pan_leak
          - journal.order: {before: ANNUAIRE, after: IDB}
          - check: journal.count
            params: {service: IDB, min: 1, max: 1}
            verifies: [ROC-IDB-010]
  - id: amc.clc.twice
    title: Second CLC refused
    tags: [amc]
    steps:
      - send: {operation: CLC, params: {persona: rights-open}}
      - expect: [answers.all_schema_valid]
"""


def write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def suite_dir(tmp_path):
    folder = tmp_path / "roc"
    folder.mkdir()
    write(folder, "suite.yaml", "suite: {id: roc-gap, version: 1.2.0, title: ROC GAP suite, sut: gap}\n")
    write(folder, "idb.yaml", GOOD)
    return folder


def load(path, **kwargs):
    kwargs.setdefault("registry", builtin())
    return load_suites([path], **kwargs)


def messages(result):
    return [str(e) for e in result.errors]


def test_the_schema_file_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text()))


def test_good_suite_loads_into_typed_steps(suite_dir):
    result = load(suite_dir, personas={"rights-open"}, requirement_ids={"ROC-IDB-001", "ROC-IDB-010"})
    assert result.ok, messages(result)
    (suite,) = result.suites
    assert (suite.id, suite.version, suite.sut) == ("roc-gap", "1.2.0", "gap")
    first, second = suite.scenarios
    assert first.id == "roc.idb.rights-open" and first.tags == ("smoke", "roc") and first.line == 2
    given, drive, wait, expect = first.steps
    assert isinstance(given, GivenStep) and given.clock == "2026-03-02"  # dates stay strings
    assert [b.name for b in given.behaviours] == ["latency:1400ms", "timeout"]
    assert given.behaviours[1].service == "CLC" and given.behaviours[1].times == 1
    assert isinstance(drive, DriveStep) and drive.params == {"venue": "V1"} and type(drive.params) is dict
    assert isinstance(wait, AwaitStep) and wait.timeout_s == 1.5 and wait.index == 3
    assert isinstance(expect, ExpectStep) and expect.describe() == "IDB came after the annuaire"
    assert [c.check_id for c in expect.checks] == ["journal.no_pan_leak", "journal.order", "journal.count"]
    assert expect.checks[1].params == {"before": "ANNUAIRE", "after": "IDB"} and expect.checks[1].line == 16
    assert expect.checks[2].verifies == ("ROC-IDB-010",)
    assert isinstance(second.steps[0], SendStep) and second.steps[0].operation == "CLC"
    assert first.check_calls[0].check_id == "journal.no_pan_leak"


@pytest.mark.parametrize("steps, expected", [
    ("- wait: {service: IDB}", "x.yaml:6: scenario s1: step 1: unknown step kind 'wait'; did you mean await?"),
    ("- drive: {action: admitt}", "x.yaml:6: scenario s1: step 1: drive.action: 'admitt' is not one of"),
    ("- {drive: {action: admit}, given: {persona: p}}", "step 1: a step has exactly one kind, found drive and given"),
    ("- expect: [journal.ordr]", "x.yaml:6: scenario s1: step 1: unknown check 'journal.ordr'; did you mean journal.order"),
    ("- expect: [{journal.count: {service: IDB, mini: 1}}]", "check journal.count: bad parameters: Additional properties"),
    ("- given: {persona: nobody}", "x.yaml:6: scenario s1: step 1: unknown persona 'nobody'"),
    ("- given: {clock: 2026-13-01}", "clock '2026-13-01' is neither a day offset"),
    ("- await: {service: IDB, timeout: soon}", "step 1: await.timeout: 'soon' is not of type 'number'; or 'soon' does not match"),
    ("- expect: [{check: journal.order, params: {before: A, after: B}, verifies: [ROC-XXX-001]}]",
     "unknown requirement 'ROC-XXX-001'"),
])
def test_step_errors_give_file_line_scenario_and_step(tmp_path, steps, expected):
    text = "scenarios:\n  - id: s1\n    title: t\n    steps:\n\n      " + steps + "\n"
    path = write(tmp_path, "x.yaml", text)
    result = load(path, personas={"p"}, requirement_ids={"ROC-IDB-001"})
    assert result.scenarios == ()
    assert any(expected in m for m in messages(result)), messages(result)
    assert all(m.startswith(str(path)) for m in messages(result))


def test_step_index_counts_from_one_at_the_right_step(tmp_path):
    path = write(tmp_path, "x.yaml", """\
        scenarios:
          - id: s1
            title: t
            steps:
              - drive: {action: admit}
              - drive: {action: explode}
        """)
    (error,) = load(path).errors
    assert (error.line, error.step, error.scenario) == (6, 2, "s1")


def test_scenario_level_and_file_level_errors(tmp_path):
    path = write(tmp_path, "x.yaml", """\
        scenarios:
          - id: Bad Id
            title: t
            steps: [{drive: {action: admit}}]
          - id: s2
            steps: [{drive: {action: admit}}]
        extra: 1
        """)
    found = messages(load(path))
    assert any(":7: 'extra' does not match any of the regexes: '^x-'" in m for m in found), found
    path.write_text(path.read_text().replace("extra: 1\n", ""))
    found = messages(load(path))
    assert any(":2: scenario Bad Id: id: 'Bad Id' does not match" in m for m in found), found
    assert any(":5: scenario s2: 'title' is a required property" in m for m in found), found


def test_bad_yaml_and_duplicate_keys_are_located(tmp_path):
    bad = write(tmp_path, "bad.yaml", "scenarios:\n  - id: a\n    title: [unclosed\n")
    (error,) = load(bad).errors
    assert error.file == str(bad) and error.line == 4 and error.message.startswith("bad YAML")
    dup = write(tmp_path, "dup.yaml", "scenarios:\n  - id: a\n    id: b\n    title: t\n    steps: []\n")
    (error,) = load(dup).errors
    assert error.line == 3 and "duplicate key 'id' (first at line 2)" in error.message


def test_one_broken_file_does_not_stop_the_others(suite_dir):
    write(suite_dir, "broken.yaml", "scenarios: [\n")
    write(suite_dir, "other.yaml", """\
        scenarios:
          - id: s.ok
            title: fine
            steps: [{drive: {action: discharge}}, {expect: [journal.no_pan_leak]}]
          - id: s.bad
            title: broken
            steps: [{drive: {action: nope}}]
        """)
    result = load(suite_dir)
    assert {s.id for s in result.scenarios} == {"roc.idb.rights-open", "amc.clc.twice", "s.ok"}
    assert len(result.errors) == 2
    assert any("broken.yaml" in m for m in messages(result)) and any("scenario s.bad" in m for m in messages(result))


def test_duplicate_scenario_ids_across_files_and_suites(suite_dir, tmp_path):
    write(suite_dir, "again.yaml", GOOD.split("  - id: amc.clc.twice")[0])
    result = load(suite_dir)
    assert any("duplicate scenario id (first at" in m and "idb.yaml:2" in m for m in messages(result))
    other = tmp_path / "other"
    other.mkdir()
    write(other, "s.yaml", "scenarios:\n  - id: amc.clc.twice\n    title: t\n    steps: [{drive: {action: pay}}]\n")
    result = load_suites([suite_dir, other], registry=builtin())
    assert sum("scenario amc.clc.twice: duplicate scenario id" in m for m in messages(result)) == 1


def test_suite_header_once_and_defaults(tmp_path, suite_dir):
    write(suite_dir, "second-header.yaml", "suite: {id: other}\n")
    assert any("a suite has one header" in m for m in messages(load(suite_dir)))
    single = write(tmp_path, "single.yaml", "scenarios:\n  - id: s\n    title: t\n    steps: [{drive: {action: pay}}]\n")
    suite, errors = load_suite(single)
    assert not errors and (suite.id, suite.version, suite.sut) == ("single", "unversioned", "gap")
    suite, errors = load_suite(tmp_path / "missing")
    assert suite is None and "no such file or folder" in str(errors[0])


def test_empty_file_is_an_error(tmp_path):
    (error,) = load(write(tmp_path, "empty.yaml", "")).errors
    assert "empty file" in error.message


def test_without_registry_unknown_checks_are_left_to_the_runner(tmp_path):
    path = write(tmp_path, "x.yaml", "scenarios:\n  - id: s\n    title: t\n    steps: [{expect: [roc.future.check]}]\n")
    assert load_suites([path]).ok


def test_select_by_tags_and_ids(suite_dir):
    scenarios = load(suite_dir).scenarios
    assert [s.id for s in select(scenarios, tags=["smoke"])] == ["roc.idb.rights-open"]
    assert [s.id for s in select(scenarios, tags=["!smoke"])] == ["amc.clc.twice"]
    assert [s.id for s in select(scenarios, tags=["roc", "amc"])] == ["roc.idb.rights-open", "amc.clc.twice"]
    assert [s.id for s in select(scenarios, ids=["amc.*"])] == ["amc.clc.twice"]
    assert select(scenarios) == list(scenarios)


def test_read_yaml_keeps_lines(tmp_path):
    root = read_yaml(write(tmp_path, "l.yaml", "a:\n  b: [1, 2]\n  c:\n    - x\n    - y\n"))
    assert root.key_lines == {"a": 1} and root["a"].key_lines == {"b": 2, "c": 3}
    assert root["a"]["c"].item_lines == [4, 5]


def test_the_documented_example_suite_loads(tmp_path):
    from pathlib import Path

    from conformance.requirements import load_catalogue

    doc = (Path(__file__).resolve().parents[2] / "docs" / "conformance.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n# (scenarios/roc/[\w.]+)\n(.*?)```", doc, re.DOTALL)
    assert [name for name, _ in blocks] == ["scenarios/roc/suite.yaml", "scenarios/roc/clc.yaml"]
    for name, body in blocks:
        (tmp_path / Path(name).name).write_text(body, encoding="utf-8")
    result = load_suites([tmp_path], registry=builtin(), personas={"rights-open"},
                         requirement_ids=set(load_catalogue().ids()))
    assert result.ok, messages(result)
    (scenario,) = result.scenarios
    assert scenario.suite == "roc-gap" and len(scenario.steps) == 6
