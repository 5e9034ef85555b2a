"""The canonical form of a run: RunResult <-> plain dict (what run.json holds), and masking of card data.

Every writer starts from `masked(run)`, so no report can carry a card number the journal let through.
Output is deterministic: durations rounded to the millisecond, derived fields recomputed, keys sorted when
dumped. `run_from_dict` reads a run.json back, so reports can be rendered again from it alone.
"""
from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any, Mapping

from conformance.model import (CheckResult, EntryRef, Outcome, RequirementStatus, RequirementVerdict, RunInfo,
                               RunResult, ScenarioResult, StepResult, SuiteRef, SutDescription)
from simulators.journal import JournalEntry
from simulators.masking import mask_text

SCHEMA_VERSION = "1.1"


def masked(value: Any) -> Any:
    """`value` with every string (dataclass fields, tuples, lists, dict keys and values) passed through
    mask_text. Enums, numbers and None are kept as they are."""
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return mask_text(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: masked(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(masked(v) for v in value)
    if isinstance(value, list):
        return [masked(v) for v in value]
    if isinstance(value, dict):
        return {masked(k): masked(v) for k, v in value.items()}
    return value


def _seconds(value: float) -> float:
    return round(float(value), 3)


def _ref(ref: EntryRef) -> dict[str, Any]:
    return {"source": ref.source, "index": ref.index}


def _entry(entry: JournalEntry) -> dict[str, Any]:
    data = entry.to_dict()
    data["duration_ms"] = _seconds(entry.duration_ms)
    return data


def _check(check: CheckResult) -> dict[str, Any]:
    return {
        "check_id": check.check_id, "title": check.title, "outcome": check.outcome.value, "message": check.message,
        "where": check.where, "requirement_ids": list(check.requirement_ids), "optional": check.optional,
        "params": check.params, "evidence": [_ref(r) for r in check.evidence],
    }


def _step(step: StepResult) -> dict[str, Any]:
    return {
        "index": step.index, "kind": step.kind, "title": step.title, "status": step.status.value,
        "outcome": step.outcome.value, "message": step.message, "started": step.started,
        "duration_s": _seconds(step.duration_s), "entries": [_ref(r) for r in step.entries],
        "checks": [_check(c) for c in step.checks],
    }


def _scenario(scenario: ScenarioResult) -> dict[str, Any]:
    return {
        "id": scenario.id, "title": scenario.title, "suite": scenario.suite, "tags": list(scenario.tags),
        "status": scenario.status.value, "outcome": scenario.outcome.value, "message": scenario.message,
        "session": scenario.session, "started": scenario.started, "duration_s": _seconds(scenario.duration_s),
        "source": scenario.source, "steps": [_step(s) for s in scenario.steps],
        "journal": [_entry(e) for e in scenario.journal], "answers": [_entry(e) for e in scenario.answers],
    }


def _requirement(verdict: RequirementVerdict) -> dict[str, Any]:
    data = dataclasses.asdict(verdict)
    data["status"] = verdict.status.value
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def run_to_dict(run: RunResult) -> dict[str, Any]:
    """The canonical report (masked). Derived fields (outcome, verdict, exit code, counts) are included for
    readers; `run_from_dict` recomputes them."""
    run = masked(run)
    info = run.info
    return {
        "schema_version": SCHEMA_VERSION,
        "info": {
            "bench_version": info.bench_version, "profile": info.profile, "seed": info.seed,
            "sut": dataclasses.asdict(info.sut), "suites": [dataclasses.asdict(s) for s in info.suites],
            "started": info.started, "run_id": info.run_id,
            **({"reference_day": info.reference_day} if info.reference_day else {}),
        },
        "duration_s": _seconds(run.duration_s),
        "outcome": run.outcome.value, "verdict": run.verdict, "exit_code": run.exit_code, "counts": run.counts(),
        "requirements": [_requirement(r) for r in run.requirements],
        "scenarios": [_scenario(s) for s in run.scenarios],
    }


# -- back from the canonical form -----------------------------------------------------------------------

def _refs(items: list[Mapping[str, Any]]) -> tuple[EntryRef, ...]:
    return tuple(EntryRef(r["source"], r["index"]) for r in items)


def _entry_from(data: Mapping[str, Any]) -> JournalEntry:
    return JournalEntry(data["session"], data["actor"], data["service"], data["at"], data["duration_ms"],
                        data["request"], data["response"], data["outcome"], tuple(data["validation"]),
                        dict(data["meta"]))


def _check_from(data: Mapping[str, Any]) -> CheckResult:
    return CheckResult(data["check_id"], Outcome(data["outcome"]), data["message"], tuple(data["requirement_ids"]),
                       _refs(data["evidence"]), data["where"], data["optional"], data["title"], dict(data["params"]))


def _step_from(data: Mapping[str, Any]) -> StepResult:
    return StepResult(data["index"], data["kind"], data["title"], Outcome(data["status"]), data["message"],
                      tuple(_check_from(c) for c in data["checks"]), _refs(data["entries"]), data["started"],
                      data["duration_s"])


def _scenario_from(data: Mapping[str, Any]) -> ScenarioResult:
    return ScenarioResult(
        data["id"], data["title"], data["suite"], tuple(data["tags"]), tuple(_step_from(s) for s in data["steps"]),
        data["started"], data["duration_s"], data["session"], Outcome(data["status"]), data["message"],
        data["source"], tuple(_entry_from(e) for e in data["journal"]), tuple(_entry_from(e) for e in data["answers"]))


def run_from_dict(data: Mapping[str, Any]) -> RunResult:
    """Rebuild a RunResult from run.json (schema_version 1.x)."""
    version = str(data.get("schema_version", ""))
    if not version.startswith("1."):
        raise ValueError(f"unsupported report schema_version {version!r}: this bench reads 1.x")
    info = data["info"]
    run_info = RunInfo(info["bench_version"], info["profile"], info["seed"], SutDescription(**info["sut"]),
                       tuple(SuiteRef(**s) for s in info["suites"]), info["started"], info["run_id"],
                       info.get("reference_day", ""))
    requirements = tuple(
        RequirementVerdict(r["requirement_id"], r["level"], r["actor"], r["text"], r["source"],
                           RequirementStatus(r["status"]), tuple(r["checks"]), tuple(r["scenarios"]),
                           tuple(r["failed_in"]))
        for r in data["requirements"])
    return RunResult(run_info, tuple(_scenario_from(s) for s in data["scenarios"]), requirements, data["duration_s"])
