"""Drivers end to end: the http driver against the example adapter, the command driver, the manual driver,
and the CLI's answers to bad suites and unreachable SUTs."""
from __future__ import annotations

import io
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conformance.checks import builtin
from conformance.cli import cli
from conformance.drivers import DriverError, UnsupportedAction, make_driver
from conformance.drivers.example_adapter import create_adapter
from conformance.runner import RunConfig, Runner
from conformance.scenarios import load_suites, select
from simulators.app import create_app
from simulators.gap.cases import StayCase
from simulators.runtime import dataset_for_seed
from simulators.server import serve_in_thread
from simulators.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261125
IDS = ["gap.stay.rights-open", "gap.refusal.suspended", "gap.change.after-clc"]


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    settings = Settings(db_path=str(tmp_path_factory.mktemp("drivers") / "s.sqlite"), seed=SEED,
                        actors=("annuaire", "amc"), timeout_behaviour_seconds=2.0)
    with serve_in_thread(create_app(settings)) as server:
        yield server


@pytest.fixture(scope="module")
def adapter():
    with serve_in_thread(create_adapter()) as server:
        yield server


@pytest.fixture(scope="module")
def suites():
    loaded = load_suites([ROOT / "scenarios" / "roc-gap"], registry=builtin(),
                         personas=list(dataset_for_seed(SEED).personas))
    return loaded.suites


def _run(bench, suites, driver, **options):
    scenarios = select([s for suite in suites for s in suite.scenarios], ids=IDS)
    config = RunConfig(sut="gap", driver=driver, bench_url=bench.url, seed=SEED, run_id=f"d-{driver}",
                       target=options.pop("target", None), driver_options=options, parallel=3)
    return Runner(config).run(list(suites), scenarios)


def test_http_driver_drives_the_example_adapter(bench, adapter, suites):
    run = _run(bench, suites, "http", target=adapter.url)
    assert run.exit_code == 0, [(s.id, s.message, [c.message for c in s.checks if c.outcome.value == "fail"])
                                for s in run.scenarios]


def test_command_driver_runs_a_program_per_action(bench, adapter, suites, tmp_path):
    program = tmp_path / "gap_cli.py"
    program.write_text(textwrap.dedent(f"""
        import json, os, sys, requests
        action, payload = sys.argv[1], json.load(sys.stdin)
        base = "{adapter.url}/simphonie/v1"
        body = {{"session": os.environ["SIMPHONIE_SESSION"], "annuaire_url": os.environ["SIMPHONIE_ANNUAIRE_URL"],
                "params": payload["params"], "case": payload["case"]}}
        venue = payload["case"]["stay"]["venue_number"]
        url = base + "/admit" if action == "admit" else f"{{base}}/stays/{{venue}}/{{action}}"
        answer = requests.post(url, json=body, timeout=30)
        if answer.status_code == 501:
            sys.exit(3)
        print(answer.text)
    """), encoding="utf-8")
    run = _run(bench, suites, "command", command=f"{sys.executable} {program}")
    assert run.exit_code == 0, [(s.id, s.message) for s in run.scenarios]


@pytest.mark.parametrize("script, error", [
    ("import sys; sys.exit(3)", UnsupportedAction),
    ("import sys; sys.exit(1)", DriverError),
    ("print('not json')", DriverError),
    ("import time; time.sleep(5)", DriverError),
])
def test_command_driver_failures_are_clear(tmp_path, script, error):
    program = tmp_path / "p.py"
    program.write_text(script, encoding="utf-8")
    driver = make_driver("command", command=f"{sys.executable} {program}", timeout=1.0)
    driver.open("s", "http://127.0.0.1:1/annuaire")
    with pytest.raises(error):
        driver.act("admit", None, {})


def test_manual_driver_prompts_and_waits():
    case = StayCase.from_persona(dataset_for_seed(SEED).persona("rights-open"))
    out = io.StringIO()
    driver = make_driver("manual", stdin=io.StringIO("\nskip\n"), stdout=out)
    driver.open("s-1", "http://bench/s/s-1/annuaire")
    assert driver.act("admit", case, {})["operator"] == "done"
    assert "please ADMIT" in out.getvalue() and str(case.beneficiary.nir) in out.getvalue()
    with pytest.raises(UnsupportedAction):
        driver.act("discharge", case, {})
    with pytest.raises(DriverError):
        driver.act("cancel", case, {})  # the operator's terminal closed


def test_adapter_contract_is_a_valid_openapi_document():
    from openapi_spec_validator import validate

    validate(yaml.safe_load((ROOT / "conformance" / "drivers" / "gap-adapter.openapi.yaml").read_text()))


def test_run_reports_bad_suites_and_still_runs_the_rest(tmp_path, bench):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "suite.yaml").write_text("suite: {id: t, version: 1.0.0, title: t, sut: gap}\n")
    (suite / "good.yaml").write_text(textwrap.dedent("""
        scenarios:
          - id: t.good
            title: good
            steps:
              - given: {persona: rights-open}
              - drive: {action: admit}
              - expect: [journal.all_requests_schema_valid]
    """))
    (suite / "bad.yaml").write_text(textwrap.dedent("""
        scenarios:
          - id: t.bad
            title: bad
            steps:
              - given: {persona: nobody}
              - expect: [journal.no_such_check]
    """))
    result = CliRunner().invoke(cli, ["run", str(suite), "--bench", bench.url, "--report-dir",
                                                      str(tmp_path / "out"), "--format", "json"])
    assert result.exit_code == 2, result.output
    assert "bad.yaml:6" in result.stderr and "unknown persona 'nobody'" in result.stderr
    assert "unknown check 'journal.no_such_check'" in result.stderr
    assert "t.good" in result.output and (tmp_path / "out" / "run.json").exists()


def test_unreachable_sut_is_a_bench_error(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--sut", "amc", "--target", "http://127.0.0.1:9/annuaire",
                                                      "--report-dir", str(tmp_path)])
    assert result.exit_code == 3
    assert "unreachable" in result.stderr


def test_usage_errors_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--driver", "http"])
    assert result.exit_code == 2 and "--driver http needs --target" in result.stderr
    result = CliRunner().invoke(cli, ["run", "--format", "pdf", "--report-dir", str(tmp_path)])
    assert result.exit_code == 2 and "unknown report format 'pdf'" in result.stderr
