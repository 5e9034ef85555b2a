import io
import json
import re
from pathlib import Path

import pytest

from conformance.checks import Registry, builtin
from conformance.model import CheckResult, Outcome, RequirementStatus, ScenarioResult, StepResult
from conformance.requirements import (CatalogueError, Level, coverage, coverage_command, judge_requirements,
                                      load_catalogue, render_coverage)
from conformance.scenarios import load_suites

ERROR_KEYS_DOC = Path(__file__).resolve().parents[2] / "docs" / "error-keys.md"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_catalogue_is_large_typed_and_ordered(catalogue):
    assert len(catalogue) >= 70
    assert all(r.level in Level and r.actor in ("GAP", "AMC", "annuaire") and r.source for r in catalogue)
    assert catalogue.get("ROC-CLC-012").topic == "ROC-CLC"
    assert {r.topic for r in catalogue} >= {"ROC-ANN", "ROC-IDB", "ROC-SIM", "ROC-CLC", "ROC-CNL", "ROC-MSG",
                                            "ROC-DAT", "ROC-FLT", "ROC-FBK", "ROC-SEC", "AMC-CLC", "AMC-ANN"}
    assert catalogue.get("ROC-ANN-001").line > 0


def test_every_catalogue_fault_has_a_gap_requirement(catalogue):
    keys = set(re.findall(r"^\| ([a-z_]+\.[a-z_]+) \|", ERROR_KEYS_DOC.read_text(), re.MULTILINE))
    assert len(keys) >= 25
    handled = {key for r in catalogue if r.actor == "GAP" for key in r.faults}
    assert keys - handled == set()
    assert {key for r in catalogue for key in r.faults} <= keys  # no invented keys


def test_builtin_checks_only_name_known_requirements(catalogue):
    assert coverage(catalogue, builtin()).problems == ()


def write(tmp_path, body):
    path = tmp_path / "req.yaml"
    path.write_text('version: "1"\nrequirements:\n' + body, encoding="utf-8")
    return path


ITEM = "  - id: {id}\n    level: {level}\n    actor: GAP\n    source: bench profile\n    text: The GAP does a thing.\n"


def test_duplicate_id_and_bad_level_are_reported_with_file_and_line(tmp_path):
    path = write(tmp_path, ITEM.format(id="ROC-X-001", level="SHALL") + ITEM.format(id="ROC-X-001", level="SHALL"))
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    assert info.value.problems == (f"{path}:8: duplicate requirement id ROC-X-001 (first at line 3)",)
    path = write(tmp_path, ITEM.format(id="ROC-X-001", level="MUST") + ITEM.format(id="bad", level="SHALL"))
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    problems = info.value.problems
    assert any(p.startswith(f"{path}:4: requirements.0.level: 'MUST' is not one of") for p in problems), problems
    assert any(p.startswith(f"{path}:8: requirements.1.id: 'bad' does not match") for p in problems), problems


def test_bad_yaml_in_catalogue(tmp_path):
    path = tmp_path / "req.yaml"
    path.write_text("requirements: [\n")
    with pytest.raises(CatalogueError, match=r"req.yaml:2: bad YAML"):
        load_catalogue(path)


def small_registry():
    reg = Registry()
    reg.check("a.one", verifies=["ROC-X-001"])(lambda ctx: None)
    reg.check("a.generic")(lambda ctx: None)
    return reg


def small_catalogue(tmp_path):
    return load_catalogue(write(tmp_path, ITEM.format(id="ROC-X-001", level="SHALL")
                                + ITEM.format(id="ROC-X-002", level="SHOULD")))


def test_coverage_by_checks_and_threshold_exit_code(tmp_path):
    cov = coverage(small_catalogue(tmp_path), small_registry())
    assert cov.percent == 50.0 and cov.summary(Level.SHALL) == (1, 1, 100.0)
    assert [r.checks for r in cov.rows] == [("a.one",), ()]
    out = io.StringIO()
    assert render_coverage(cov, min_percent=50, out=out) == 0
    assert "Requirements verified by checks: 1/2 (50.0 %)" in out.getvalue()
    assert "+ ROC-X-001  SHALL   GAP       a.one" in out.getvalue()
    assert "- ROC-X-002  SHOULD  GAP       (none)" in out.getvalue()
    out = io.StringIO()
    assert render_coverage(cov, min_percent=75, out=out) == 1
    assert "Coverage 50.0 % is below the minimum 75 %." in out.getvalue()


def test_coverage_by_scenarios_counts_bound_generic_checks(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("scenarios:\n  - id: s\n    title: t\n    steps:\n      - expect:\n"
                     "          - {check: a.generic, verifies: [ROC-X-002]}\n")
    scenarios = load_suites([suite]).scenarios
    cov = coverage(small_catalogue(tmp_path), small_registry(), scenarios)
    assert [(r.requirement.id, r.covered, r.scenarios) for r in cov.rows] == [
        ("ROC-X-001", False, ()), ("ROC-X-002", True, ("s",))]
    out = io.StringIO()
    assert render_coverage(cov, fmt="json", out=out, min_percent=40) == 0
    data = json.loads(out.getvalue())
    assert data["percent"] == 50.0 and data["ok"] and data["by_scenarios"]


def test_unknown_requirement_in_a_check_is_a_configuration_error(tmp_path):
    reg = small_registry()
    reg.check("a.stray", verifies=["ROC-X-099"])(lambda ctx: None)
    cov = coverage(small_catalogue(tmp_path), reg)
    assert cov.problems == ("check a.stray verifies unknown requirement ROC-X-099",)
    assert render_coverage(cov, out=io.StringIO()) == 2


def test_coverage_command_end_to_end(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    assert coverage_command(min_percent=1, out=out, err=err) == 0
    assert coverage_command(min_percent=100, out=io.StringIO(), err=err) == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\n")
    err = io.StringIO()
    assert coverage_command(catalogue_path=bad, out=io.StringIO(), err=err) == 2
    assert "invalid requirements catalogue" in err.getvalue()


def test_judge_requirements_takes_the_worst_check_per_requirement(tmp_path):
    catalogue = small_catalogue(tmp_path)

    def scenario(sid, outcome):
        check = CheckResult("a.one", outcome, requirement_ids=("ROC-X-001",))
        return ScenarioResult(sid, "t", steps=(StepResult(1, "expect", "e", checks=(check,)),))

    verdicts = judge_requirements(catalogue, [scenario("s1", Outcome.PASS), scenario("s2", Outcome.FAIL)])
    first, second = verdicts
    assert first.status is RequirementStatus.FAIL and first.scenarios == ("s1", "s2") and first.failed_in == ("s2",)
    assert first.checks == ("a.one",) and first.level == "SHALL"
    assert second.status is RequirementStatus.UNTESTED
