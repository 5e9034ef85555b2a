"""Judging a load run: each declared threshold against the measured value, with the margin when it breaks.

Pure functions over the measurement document the Locust process writes (see locustfile.measurements), so the
verdict is computed, tested and explained without Locust.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

TOTAL = "total"


@dataclass(frozen=True, slots=True)
class Metric:
    """A threshold key: which measured value it bounds, from which side, and how to show it."""

    key: str
    measured: str
    bound: str  # "max" | "min"
    unit: str  # "ms", "req/s" or "share" (shown as a percentage)
    label: str


METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("max_p95_ms", "p95_ms", "max", "ms", "95th percentile latency"),
    Metric("max_p99_ms", "p99_ms", "max", "ms", "99th percentile latency"),
    Metric("max_error_rate", "error_rate", "max", "share", "error rate"),
    Metric("min_rps", "rps", "min", "req/s", "throughput"),
    Metric("min_schema_valid", "schema_valid", "min", "share", "schema-valid sampled answers"),
)}


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    key: str
    scope: str  # "total" or an operation name (IDB, CLC...)
    limit: float
    measured: float | None
    holds: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "scope": self.scope, "limit": self.limit, "measured": self.measured,
                "holds": self.holds, "message": self.message}


def show(value: float, unit: str) -> str:
    if unit == "share":
        return f"{value * 100:.3g} %"
    if unit == "ms":
        return f"{value:.0f} ms" if value >= 10 else f"{value:.3g} ms"
    return f"{value:.4g} {unit}"


def judge(metric: Metric, scope: str, limit: float, measured: float | None, missing: str = "") -> ThresholdResult:
    where = f"{metric.key} ({scope})"
    if measured is None:
        return ThresholdResult(metric.key, scope, limit, None, False,
                               f"{where}: not measured ({missing or 'no value'}); the limit is {show(limit, metric.unit)}")
    holds = measured <= limit if metric.bound == "max" else measured >= limit
    sign = "≤" if metric.bound == "max" else "≥"
    text = f"{where}: {metric.label} {show(measured, metric.unit)}, expected {sign} {show(limit, metric.unit)}"
    if not holds:
        side = "over" if metric.bound == "max" else "under"
        gap = abs(measured - limit)
        shown = f"{gap * 100:.3g} pt" if metric.unit == "share" else show(gap, metric.unit)
        text += f": BROKEN, {side} by {shown}{_relative(measured, limit)}"
    return ThresholdResult(metric.key, scope, limit, measured, holds, text)


def _relative(measured: float, limit: float) -> str:
    if not limit:
        return ""
    ratio = measured / limit
    if ratio >= 2:
        return f" ({ratio:.3g}x the limit)"
    return f" ({(ratio - 1) * 100:+.0f} %)"


def _measured(measurements: Mapping[str, Any], metric: Metric, scope: str) -> tuple[float | None, str]:
    if metric.measured == "schema_valid":
        validation = measurements.get("validation") or {}
        sampled = validation.get("sampled", 0)
        if not sampled:
            return None, "no answer was sampled: raise validation.sample or the duration"
        return validation.get("valid", 0) / sampled, ""
    stats = (measurements.get("operations") or {}).get(scope)
    if not stats or not stats.get("requests"):
        return None, f"no {scope} request was made" if scope != TOTAL else "no request was made"
    return stats.get(metric.measured), ""


def evaluate(thresholds: Mapping[str, Any], measurements: Mapping[str, Any]) -> list[ThresholdResult]:
    """Every threshold of the profile, overall first, then per operation in the profile's order."""
    results = []
    scopes = [(TOTAL, {k: v for k, v in thresholds.items() if k != "operations"})]
    scopes += list((thresholds.get("operations") or {}).items())
    for scope, limits in scopes:
        for key, limit in limits.items():
            metric = METRICS[key]
            measured, missing = _measured(measurements, metric, scope)
            results.append(judge(metric, scope, float(limit), measured, missing))
    return results
