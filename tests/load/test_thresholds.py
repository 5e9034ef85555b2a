"""Thresholds judged against measurements, and the summary document built from them."""
from __future__ import annotations

from load.loadprofile import read_profile
from load.summary import console_text, summary_document, validate_summary, verdict_of
from load.thresholds import METRICS, evaluate, judge


def _measurements(**total) -> dict:
    stats = {"requests": 1000, "failures": 2, "error_rate": 0.002, "rps": 120.0, "p50_ms": 4, "p95_ms": 12,
             "p99_ms": 40, "avg_ms": 6.0, "max_ms": 90.0}
    return {"duration_s": 10.0, "peak_users": 20, "workers": 1,
            "operations": {"total": {**stats, **total}, "CLC": {**stats, "requests": 200, "p99_ms": 80}},
            "validation": {"sampled": 50, "valid": 49, "invalid": 1, "examples": ["CLC answer breaks ..."]},
            "errors": [{"operation": "CLC", "error": "SOAP fault 3001 (commitment.active_exists)", "occurrences": 2}]}


def test_every_threshold_is_judged_overall_then_per_operation():
    thresholds = {"max_p95_ms": 20, "max_p99_ms": 50, "max_error_rate": 0.01, "min_rps": 100,
                  "min_schema_valid": 0.9, "operations": {"CLC": {"max_p99_ms": 100}}}
    results = evaluate(thresholds, _measurements())
    assert [(r.key, r.scope, r.measured, r.holds) for r in results] == [
        ("max_p95_ms", "total", 12, True), ("max_p99_ms", "total", 40, True),
        ("max_error_rate", "total", 0.002, True), ("min_rps", "total", 120.0, True),
        ("min_schema_valid", "total", 0.98, True), ("max_p99_ms", "CLC", 80, True)]
    assert verdict_of(results) == ("pass", "all 6 thresholds hold")


def test_a_broken_threshold_says_which_and_by_how_much():
    results = evaluate({"max_p99_ms": 30, "min_rps": 150, "min_schema_valid": 0.99}, _measurements())
    assert [r.message for r in results] == [
        "max_p99_ms (total): 99th percentile latency 40 ms, expected ≤ 30 ms: BROKEN, over by 10 ms (+33 %)",
        "min_rps (total): throughput 120 req/s, expected ≥ 150 req/s: BROKEN, under by 30 req/s (-20 %)",
        "min_schema_valid (total): schema-valid sampled answers 98 %, expected ≥ 99 %: BROKEN, under by 1 pt "
        "(-1 %)"]
    assert verdict_of(results) == ("fail", "3 of 3 thresholds broken: max_p99_ms (total), min_rps (total), "
                                           "min_schema_valid (total)")
    assert judge(METRICS["max_p95_ms"], "total", 0.01, 4).message.endswith("over by 3.99 ms (400x the limit)")


def test_what_was_not_measured_breaks_the_threshold():
    measurements = _measurements()
    measurements["validation"] = {"sampled": 0, "valid": 0, "invalid": 0}
    results = evaluate({"min_schema_valid": 0.99, "operations": {"ANN": {"max_p95_ms": 10}}}, measurements)
    assert [(r.holds, r.measured) for r in results] == [(False, None), (False, None)]
    assert "no answer was sampled" in results[0].message and "no ANN request was made" in results[1].message


def test_the_summary_document_follows_its_schema_and_reads_on_a_console():
    plan = read_profile("steady")
    results = evaluate(plan.thresholds, _measurements())
    verdict, reason = verdict_of(results)
    document = summary_document(plan=plan, target="http://127.0.0.1:8080", annuaire_url="http://127.0.0.1:8080/s/x/annuaire",
                                session="x", mode="local", processes=None, started_at="2026-11-25T08:00:00+00:00",
                                finished_at="2026-11-25T08:01:00+00:00", verdict=verdict, reason=reason,
                                measurements=_measurements(), results=results, reports={"summary": "summary.json"})
    assert validate_summary(document) == [] and document["exit_code"] == 1
    text = console_text(document)
    assert "  total           1000         2    120.0       4      12      40" in text
    assert "sampled answers valid against the profile: 49 of 50" in text
    assert "failure x2 CLC: SOAP fault 3001 (commitment.active_exists)" in text
    assert text.splitlines()[-2].startswith("verdict: FAIL (")
