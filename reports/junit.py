"""junit.xml for CI: one <testsuite> per suite, one <testcase> per scenario, one <failure> per failed check,
<error> for bench errors, <skipped> for skipped scenarios. Child order follows the Jenkins/Surefire schema
(skipped, error*, failure*, system-out); the testsuite counters count scenarios by outcome.

Failure bodies carry what Claire needs beside the message: the requirements, and the exchanges the check
points at (masked).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import OrderedDict
from pathlib import Path

from conformance.model import CheckResult, Outcome, RunResult, ScenarioResult
from reports.serialize import masked
from simulators.masking import mask_text
from simulators.xml import xml_safe


def _text(value: object) -> str:
    return xml_safe(str(value))


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _evidence(scenario: ScenarioResult, check: CheckResult) -> str:
    lines = []
    for ref in check.evidence:
        entry = scenario.entry(ref)
        if entry is None:
            continue
        lines += [f"--- {ref} {entry.actor}/{entry.service} at {entry.at} outcome {entry.outcome}",
                  "request:", entry.request, "response:", entry.response]
        lines += [f"validation: {problem}" for problem in entry.validation]
    return "\n".join(lines)


def _body(scenario: ScenarioResult, check: CheckResult) -> str:
    parts = [check.message]
    if check.requirement_ids:
        parts.append("requirements: " + ", ".join(check.requirement_ids))
    if check.where:
        parts.append(f"where: {check.where}")
    evidence = _evidence(scenario, check)
    if evidence:
        parts.append(evidence)
    return "\n".join(parts)


def _log(scenario: ScenarioResult) -> str:
    lines = [f"scenario {scenario.id} ({scenario.source}) session {scenario.session}: {scenario.outcome.value}"]
    if scenario.message:
        lines.append(f"  {scenario.message}")
    for step in scenario.steps:
        lines.append(f"step {step.index} {step.kind}: {step.title} -> {step.outcome.value}"
                     + (f": {step.message}" if step.message else ""))
        for check in step.checks:
            optional = " (optional)" if check.optional else ""
            lines.append(f"  {check.outcome.value}{optional} {check.check_id}"
                         + (f": {check.message}" if check.message else ""))
    return "\n".join(lines)


def _testcase(parent: ET.Element, scenario: ScenarioResult) -> None:
    case = ET.SubElement(parent, "testcase", {"classname": _text(scenario.suite or "simphonie"),
                                              "name": _text(scenario.id), "time": _seconds(scenario.duration_s)})
    outcome = scenario.outcome
    if outcome is Outcome.SKIP:
        reasons = [scenario.message] + [c.message for c in scenario.checks if c.outcome is Outcome.SKIP]
        reason = next((r for r in reasons if r), "nothing was checked")
        ET.SubElement(case, "skipped", {"message": _text(reason)})
    errors: list[tuple[str, str, str]] = []  # (type, message, body)
    failures: list[tuple[str, str, str]] = []
    if scenario.status in (Outcome.ERROR, Outcome.FAIL):
        target = errors if scenario.status is Outcome.ERROR else failures
        target.append(("scenario", scenario.message or scenario.status.value, scenario.message))
    for step in scenario.steps:
        if step.status in (Outcome.ERROR, Outcome.FAIL):
            target = errors if step.status is Outcome.ERROR else failures
            message = f"step {step.index} {step.kind}: {step.message or step.status.value}"
            target.append((f"step.{step.kind}", message, message))
        for check in step.checks:
            if check.outcome is Outcome.ERROR:
                errors.append((check.check_id, check.message, _body(scenario, check)))
            elif check.outcome is Outcome.FAIL and not check.optional:
                failures.append((check.check_id, check.message, _body(scenario, check)))
    for tag, items in (("error", errors), ("failure", failures)):
        for kind, message, body in items:
            ET.SubElement(case, tag, {"type": _text(kind), "message": _text(message)}).text = _text(body)
    ET.SubElement(case, "system-out").text = _text(_log(scenario))


def to_junit_xml(run: RunResult) -> bytes:
    run = masked(run)
    suites: OrderedDict[str, list[ScenarioResult]] = OrderedDict()
    for scenario in run.scenarios:
        suites.setdefault(scenario.suite or "simphonie", []).append(scenario)
    versions = {s.id: s.version for s in run.info.suites}
    counts = run.counts()
    root = ET.Element("testsuites", {
        "name": "simphonie-bench", "tests": str(len(run.scenarios)), "failures": str(counts["fail"]),
        "errors": str(counts["error"]), "skipped": str(counts["skip"]), "time": _seconds(run.duration_s),
        "timestamp": _text(run.info.started)})
    for name, scenarios in suites.items():
        outcomes = [s.outcome for s in scenarios]
        suite = ET.SubElement(root, "testsuite", {
            "name": _text(name), "tests": str(len(scenarios)),
            "failures": str(outcomes.count(Outcome.FAIL)), "errors": str(outcomes.count(Outcome.ERROR)),
            "skipped": str(outcomes.count(Outcome.SKIP)),
            "time": _seconds(sum(s.duration_s for s in scenarios)), "timestamp": _text(run.info.started)})
        properties = ET.SubElement(suite, "properties")
        for key, value in (("suite_version", versions.get(name, "")), ("profile", run.info.profile),
                           ("seed", run.info.seed), ("bench_version", run.info.bench_version),
                           ("sut", run.info.sut.kind), ("driver", run.info.sut.driver),
                           ("target", run.info.sut.target), ("run_id", run.info.run_id),
                           ("reference_day", run.info.reference_day)):
            ET.SubElement(properties, "property", {"name": key, "value": _text(value)})
        for scenario in scenarios:
            _testcase(suite, scenario)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + mask_text(text) + "\n").encode("utf-8")


def write_junit(run: RunResult, path: str | Path) -> Path:
    path = Path(path)
    path.write_bytes(to_junit_xml(run))
    return path
