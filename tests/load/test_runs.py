"""Real, short Locust runs through `simphonie load`: thresholds are measured and judged, and the exit code follows."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter

import requests

from load.runner import PROJECT_ROOT, child_env
from load.summary import validate_summary
from tests.load.conftest import LOOSE_THRESHOLDS, free_port, run_cli, short_profile, summary_of


def _commitments(url: str, session: str) -> list[dict]:
    return requests.get(f"{url}/_bench/sessions/{session}/commitments", timeout=5).json()


def test_a_run_within_loose_thresholds_exits_0_with_every_threshold_measured(simulator, tmp_path):
    """ROC and DIAPASON users against a simulator on port 0, terminal users on a bundled Caisse-AP terminal."""
    report = tmp_path / "report"
    profile = short_profile(tmp_path, users=6, mix={"roc": 1, "diapason": 1, "terminal": 1},
                            flow={"annuaire": 0.2, "sim": 0.5, "clc": 1.0, "cancel": 0.3, "refund": 0.5,
                                  "consent": 0.5})
    result = run_cli(str(profile), "--target", simulator.url, "--report-dir", str(report))
    assert result.exit_code == 0, result.output
    summary = summary_of(report)
    assert validate_summary(summary) == []
    assert summary["verdict"] == "pass" and summary["exit_code"] == 0
    assert [(t["key"], t["scope"]) for t in summary["thresholds"]] == [
        ("max_p95_ms", "total"), ("max_p99_ms", "total"), ("max_error_rate", "total"), ("min_rps", "total"),
        ("min_schema_valid", "total"), ("max_p99_ms", "IDB")]
    assert all(t["holds"] and t["measured"] is not None for t in summary["thresholds"])
    operations = summary["measurements"]["operations"]
    assert {"ANNUAIRE", "IDB", "CLC", "DIAPASON consent", "DIAPASON notification", "DIAPASON debit", "TPE payment",
            "TPE consent"} <= set(operations)
    assert operations["total"]["failures"] == 0, summary["measurements"]["errors"]
    validation = summary["measurements"]["validation"]  # every ROC answer was validated (sample: 1.0)
    roc = sum(operations[name]["requests"] for name in ("ANNUAIRE", "IDB", "SIM", "CLC", "ANN") if name in operations)
    assert validation["sampled"] == roc and validation["invalid"] == 0
    for name in ("locust.html", "locust_stats.csv", "locust_failures.csv"):
        assert (report / name).stat().st_size > 0
    # the run had its own test session on the bench, and every stay its own venue
    commitments = _commitments(simulator.url, summary["session"])
    assert commitments and summary["annuaire_url"] == f"{simulator.url}/s/{summary['session']}/annuaire"
    active = Counter(c["venue"] for c in commitments if c["status"] == "active")
    assert max(active.values()) == 1


def test_an_impossible_threshold_exits_1_saying_which_and_by_how_much(tmp_path):
    """No --target: the bundled simulators (gunicorn, 2 workers) are started on a free port for the run, with
    the AMO actor for the CDRi users (else their 404s would break the error rates)."""
    thresholds = {"max_p95_ms": 0.001, "max_error_rate": 0.05,
                  "operations": {"CLC": {"max_error_rate": 0}, "CDRI": {"max_error_rate": 0}}}
    report = tmp_path / "report"
    result = run_cli(str(short_profile(tmp_path, mix={"roc": 2, "cdri": 1}, thresholds=thresholds)),
                     "--report-dir", str(report))
    assert result.exit_code == 1, result.output
    assert "KO  max_p95_ms (total): 95th percentile latency" in result.output
    assert "BROKEN, over by" in result.output and "FAIL (1 of 4 thresholds broken: max_p95_ms (total))" in result.output
    summary = summary_of(report)
    assert validate_summary(summary) == []
    broken = [t for t in summary["thresholds"] if not t["holds"]]
    assert [(t["key"], t["limit"]) for t in broken] == [("max_p95_ms", 0.001)] and broken[0]["measured"] > 0.001
    assert summary["target"].startswith("http://127.0.0.1:") and (report / "simulators.log").exists()
    assert summary["cdri_url"] == f"{summary['target']}/s/{summary['session']}/amo/cdri"
    assert summary["measurements"]["operations"]["CDRI"]["requests"] > 0


def test_cdri_users_ask_the_amo_their_answers_are_validated_and_faults_count_with_their_key(simulator, tmp_path):
    """CDRi users beside ROC users, on the bench's default session, whose first two CDRi queries fault."""
    added = requests.post(f"{simulator.url}/_bench/sessions/default/behaviours", timeout=5,
                          json={"name": "soap_fault:beneficiary.unknown", "actor": "cdri", "count": 2})
    assert added.status_code == 201, added.text
    thresholds = {**LOOSE_THRESHOLDS, "max_error_rate": 0.5,
                  "operations": {"CDRI": {"max_p99_ms": 10000, "max_error_rate": 0.5}}}
    report = tmp_path / "report"
    profile = short_profile(tmp_path, mix={"roc": 1, "cdri": 1}, thresholds=thresholds)
    result = run_cli(str(profile), "--target", simulator.url, "--no-session", "--report-dir", str(report))
    assert result.exit_code == 0, result.output
    summary = summary_of(report)
    assert validate_summary(summary) == [] and summary["verdict"] == "pass"
    assert summary["session"] is None and summary["cdri_url"] == f"{simulator.url}/amo/cdri"
    assert [(t["key"], t["scope"]) for t in summary["thresholds"]][-2:] == [("max_p99_ms", "CDRI"),
                                                                            ("max_error_rate", "CDRI")]
    assert all(t["holds"] and t["measured"] is not None for t in summary["thresholds"])
    operations, measurements = summary["measurements"]["operations"], summary["measurements"]
    assert operations["CDRI"]["requests"] > 2 and operations["CDRI"]["failures"] == 2
    assert [(e["operation"], e["error"], e["occurrences"]) for e in measurements["errors"]] == [
        ("CDRI", "SOAP fault 2001 (beneficiary.unknown)", 2)]
    # every answer that succeeded was validated (sample: 1.0), the CDRi ones against bench-cdri-1
    validation = measurements["validation"]
    assert validation["sampled"] == operations["total"]["requests"] - 2 and validation["invalid"] == 0
    assert "CDRI" in result.output


def test_an_unreachable_target_is_a_failed_run_exit_3(tmp_path):
    report = tmp_path / "report"
    result = run_cli(str(short_profile(tmp_path)), "--target", f"http://127.0.0.1:{free_port()}",
                     "--report-dir", str(report))
    assert result.exit_code == 3, result.output
    assert "cannot reach the target" in result.output
    summary = summary_of(report)
    assert summary["verdict"] == "error" and summary["measurements"] is None and validate_summary(summary) == []


def test_one_master_and_two_workers_on_loopback(simulator, tmp_path):
    port = free_port()
    workers = [subprocess.Popen([sys.executable, "-m", "conformance.cli", "load", "--worker", "--master-port",
                                 str(port), "--report-dir", str(tmp_path / f"worker{i}")],
                                cwd=PROJECT_ROOT, env=child_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
               for i in range(2)]
    try:
        report = tmp_path / "master"
        result = run_cli(str(short_profile(tmp_path, users=6)), "--target", simulator.url, "--master",
                         "--expect-workers", "2", "--master-bind-host", "127.0.0.1", "--master-port", str(port),
                         "--report-dir", str(report))
        assert result.exit_code == 0, result.output
        assert [worker.wait(timeout=30) for worker in workers] == [0, 0]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    summary = summary_of(report)
    assert summary["mode"] == "master" and summary["measurements"]["workers"] == 2
    assert summary["measurements"]["validation"]["sampled"] > 0  # counts travelled from the workers
    # each worker drew its own stays: venue numbers start with the worker index
    venues = [c["venue"] for c in _commitments(simulator.url, summary["session"])]
    assert {venue[:3] for venue in venues} == {"000", "001"}
