"""The summary of a load run: one JSON document (load/summary.schema.json) that the conformance reports can
include, and the same facts as console text."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import jsonschema

from load.loadprofile import LoadProfile
from load.thresholds import ThresholdResult

SCHEMA_PATH = Path(__file__).resolve().parent / "summary.schema.json"
KIND = "simphonie-load-summary"
VERSION = 1

VERDICT_EXIT = {"pass": 0, "fail": 1, "error": 3}


def verdict_of(results: Sequence[ThresholdResult]) -> tuple[str, str]:
    """("pass" | "fail", the reason in one sentence)."""
    broken = [r for r in results if not r.holds]
    if not broken:
        return "pass", f"all {len(results)} thresholds hold"
    names = ", ".join(f"{r.key} ({r.scope})" for r in broken)
    return "fail", f"{len(broken)} of {len(results)} thresholds broken: {names}"


def summary_document(*, plan: LoadProfile | None, target: str | None, annuaire_url: str | None,
                     session: str | None, mode: str, diapason_url: str | None = None, terminal: str | None = None,
                     cdri_url: str | None = None, processes: int | None, started_at: str, finished_at: str,
                     verdict: str, reason: str, measurements: Mapping[str, Any] | None,
                     results: Sequence[ThresholdResult], reports: Mapping[str, str]) -> dict[str, Any]:
    return {
        "kind": KIND,
        "version": VERSION,
        "profile": ({"name": plan.name, "source": plan.source, "users": plan.users, "duration_s": plan.duration,
                     "shape": plan.shape_kind, "mix": dict(plan.mix), "seed": plan.seed, "dataset_seed": plan.dataset_seed,
                     "stay_offset": plan.stay_offset, "message_profile": plan.message_profile}
                    if plan else None),
        "target": target,
        "annuaire_url": annuaire_url,
        "diapason_url": diapason_url,
        "cdri_url": cdri_url,
        "terminal": terminal,
        "session": session,
        "mode": mode,
        "processes": processes,
        "started_at": started_at,
        "finished_at": finished_at,
        "verdict": verdict,
        "exit_code": VERDICT_EXIT[verdict],
        "reason": reason,
        "thresholds": [r.to_dict() for r in results],
        "measurements": dict(measurements) if measurements else None,
        "reports": dict(reports),
    }


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def validate_summary(document: Mapping[str, Any]) -> list[str]:
    """Problems of a summary document against its schema (empty when valid)."""
    return [f"{'.'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
            for e in _validator().iter_errors(document)]


def write_summary(document: Mapping[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:.0f}"


def console_text(document: Mapping[str, Any]) -> str:
    lines = []
    measurements = document.get("measurements") or {}
    operations = measurements.get("operations") or {}
    if operations:
        width = max(10, *(len(name) for name in operations))
        lines.append(f"  {'operation':<{width}} {'requests':>9} {'failures':>9} {'req/s':>8} "
                     f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
        names = [name for name in operations if name != "total"] + ["total"]
        for name in names:
            op = operations[name]
            lines.append(f"  {name:<{width}} {op['requests']:>9} {op['failures']:>9} {op['rps']:>8.1f} "
                         f"{_ms(op['p50_ms']):>7} {_ms(op['p95_ms']):>7} {_ms(op['p99_ms']):>7}")
        validation = measurements.get("validation") or {}
        lines.append(f"  sampled answers valid against the profile: {validation.get('valid', 0)} of "
                     f"{validation.get('sampled', 0)}")
        for example in validation.get("examples", []):
            lines.append(f"    {example}")
        for error in (measurements.get("errors") or [])[:5]:
            lines.append(f"  failure x{error['occurrences']} {error['operation']}: {error['error']}")
    if document.get("thresholds"):
        lines.append("thresholds:")
        for result in document["thresholds"]:
            lines.append(f"  {'ok ' if result['holds'] else 'KO '} {result['message']}")
    lines.append(f"verdict: {document['verdict'].upper()} ({document['reason']})")
    reports = document.get("reports") or {}
    if reports:
        lines.append("reports: " + ", ".join(reports.values()))
    return "\n".join(lines)
