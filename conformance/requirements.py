"""The requirements catalogue (requirements.yaml): loading with file:line errors, static coverage by checks
and scenarios (`simphonie requirements --coverage`), and the per-requirement verdict of a run."""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence, TextIO

import jsonschema

from conformance.model import RequirementStatus, RequirementVerdict, ScenarioResult, worst
from conformance.scenarios import YamlError, line_of, read_yaml, schema_problems

if TYPE_CHECKING:
    from conformance.checks import Check, Registry
    from conformance.scenarios import Scenario

CATALOGUE_PATH = Path(__file__).with_name("requirements.yaml")
ACTORS = ("GAP", "AMC", "annuaire")


class Level(str, Enum):
    SHALL = "SHALL"
    SHOULD = "SHOULD"
    MAY = "MAY"


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    text: str
    level: Level
    source: str
    actor: str
    faults: tuple[str, ...] = ()  # error keys (docs/error-keys.md) the requirement is about
    line: int = 0

    @property
    def topic(self) -> str:
        """The id without its number, e.g. ROC-CLC."""
        return self.id.rsplit("-", 1)[0]


@dataclass(frozen=True, slots=True)
class Catalogue:
    version: str
    path: str
    requirements: tuple[Requirement, ...]

    def __iter__(self) -> Iterator[Requirement]:
        return iter(self.requirements)

    def __len__(self) -> int:
        return len(self.requirements)

    def __contains__(self, requirement_id: object) -> bool:
        return any(r.id == requirement_id for r in self.requirements)

    def get(self, requirement_id: str) -> Requirement:
        for requirement in self.requirements:
            if requirement.id == requirement_id:
                return requirement
        raise KeyError(requirement_id)

    def ids(self) -> list[str]:
        return [r.id for r in self.requirements]


class CatalogueError(ValueError):
    """The catalogue file is unusable; `problems` are "file:line: message" strings, all of them."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("invalid requirements catalogue:\n  " + "\n  ".join(problems))
        self.problems = tuple(problems)


_SCHEMA = {
    "type": "object",
    "required": ["version", "requirements"],
    "properties": {
        "version": {"type": "string"},
        "requirements": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "level", "actor", "source", "text"],
            "properties": {
                "id": {"type": "string", "pattern": r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\d{3}$"},
                "level": {"enum": [level.value for level in Level]},
                "actor": {"enum": list(ACTORS)},
                "source": {"type": "string", "minLength": 1},
                "text": {"type": "string", "minLength": 10},
                "faults": {"type": "array", "items": {"type": "string", "pattern": r"^[a-z_]+\.[a-z_]+$"}},
            },
            "additionalProperties": False,
        }},
    },
    "additionalProperties": False,
}


def load_catalogue(path: str | Path = CATALOGUE_PATH) -> Catalogue:
    """Read and check the catalogue: schema (level, actor, id form...) and duplicate ids, all at once."""
    name = str(path)
    try:
        root = read_yaml(path)
    except YamlError as exc:
        raise CatalogueError([str(exc)]) from None
    problems = [f"{name}:{line}: {message}"
                for line, message in schema_problems(jsonschema.Draft202012Validator(_SCHEMA), root, root)]
    if problems:
        raise CatalogueError(problems)
    requirements: list[Requirement] = []
    first_line: dict[str, int] = {}
    for position, item in enumerate(root["requirements"]):
        line = line_of(root, ["requirements", position])
        if item["id"] in first_line:
            problems.append(f"{name}:{line}: duplicate requirement id {item['id']} (first at line {first_line[item['id']]})")
            continue
        first_line[item["id"]] = line
        requirements.append(Requirement(item["id"], item["text"], Level(item["level"]), item["source"],
                                        item["actor"], tuple(item.get("faults", [])), line))
    if problems:
        raise CatalogueError(problems)
    return Catalogue(root["version"], name, tuple(requirements))


# -- static coverage ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CoverageRow:
    requirement: Requirement
    checks: tuple[str, ...]  # checks that verify it
    scenarios: tuple[str, ...] = ()  # scenarios that run one of those checks (when scenarios were given)
    covered: bool = False


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which requirements some check verifies (or, when scenarios were given, some scenario exercises)."""

    rows: tuple[CoverageRow, ...]
    problems: tuple[str, ...] = ()
    by_scenarios: bool = False

    def summary(self, level: Level | None = None) -> tuple[int, int, float]:
        rows = [r for r in self.rows if level is None or r.requirement.level is level]
        covered = sum(r.covered for r in rows)
        return covered, len(rows), (100.0 * covered / len(rows) if rows else 100.0)

    @property
    def percent(self) -> float:
        return self.summary()[2]


def coverage(requirements: Iterable[Requirement], checks: Iterable["Check"],
             scenarios: Iterable["Scenario"] | None = None) -> Coverage:
    """Map each requirement to the checks that verify it. With `scenarios`, a requirement counts as covered
    only when a scenario runs such a check (including checks bound to it with `verifies:` in the scenario)."""
    requirements = list(requirements)
    known = {r.id for r in requirements}
    checks = list(checks)
    verifiers: dict[str, set[str]] = defaultdict(set)
    problems: list[str] = []
    static = {c.id: c.verifies for c in checks}
    for chk in checks:
        for requirement_id in chk.verifies:
            if requirement_id not in known:
                problems.append(f"check {chk.id} verifies unknown requirement {requirement_id}")
            verifiers[requirement_id].add(chk.id)
    exercised: dict[str, set[str]] = defaultdict(set)
    if scenarios is not None:
        for scenario in scenarios:
            for call in scenario.check_calls:
                for requirement_id in (*static.get(call.check_id, ()), *call.verifies):
                    if requirement_id not in known:
                        problems.append(f"scenario {scenario.id} ({scenario.source}) binds {call.check_id} "
                                        f"to unknown requirement {requirement_id}")
                        continue
                    verifiers[requirement_id].add(call.check_id)
                    exercised[requirement_id].add(scenario.id)
    rows = tuple(
        CoverageRow(r, tuple(sorted(verifiers[r.id])), tuple(sorted(exercised[r.id])),
                    bool(exercised[r.id]) if scenarios is not None else bool(verifiers[r.id]))
        for r in requirements
    )
    return Coverage(rows, tuple(dict.fromkeys(problems)), scenarios is not None)


def coverage_dict(cov: Coverage, min_percent: float | None = None) -> dict[str, Any]:
    covered, total, percent = cov.summary()
    levels = {}
    for level in Level:
        level_covered, level_total, level_percent = cov.summary(level)
        levels[level.value] = {"covered": level_covered, "total": level_total, "percent": round(level_percent, 1)}
    return {
        "covered": covered, "total": total, "percent": round(percent, 1), "levels": levels,
        "by_scenarios": cov.by_scenarios, "min_percent": min_percent,
        "requirements": [
            {"id": r.requirement.id, "level": r.requirement.level.value, "actor": r.requirement.actor,
             "covered": r.covered, "checks": list(r.checks), "scenarios": list(r.scenarios)}
            for r in cov.rows
        ],
        "problems": list(cov.problems),
    }


def render_coverage(cov: Coverage, *, min_percent: float | None = None, fmt: str = "text",
                    out: TextIO | None = None, uncovered_only: bool = False) -> int:
    """Print the coverage; the exit code is 0, 1 below `min_percent`, 2 when checks or scenarios name
    requirements the catalogue does not have (the catalogue and the code disagree: a configuration error)."""
    out = out or sys.stdout
    covered, total, percent = cov.summary()
    below = min_percent is not None and percent < min_percent
    if fmt == "json":
        data = coverage_dict(cov, min_percent)
        data["ok"] = not below and not cov.problems
        out.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
    else:
        basis = "exercised by scenarios" if cov.by_scenarios else "verified by checks"
        levels = "  ".join(f"{level.value} {c}/{t}" for level in Level for c, t, _ in [cov.summary(level)] if t)
        out.write(f"Requirements {basis}: {covered}/{total} ({percent:.1f} %)  {levels}\n\n")
        width = max((len(r.requirement.id) for r in cov.rows), default=10)
        for row in cov.rows:
            if uncovered_only and row.covered:
                continue
            mark = "+" if row.covered else "-"
            by = ", ".join(row.checks) or "(none)"
            out.write(f"{mark} {row.requirement.id:<{width}}  {row.requirement.level.value:<6}  "
                      f"{row.requirement.actor:<8}  {by}\n")
        for problem in cov.problems:
            out.write(f"problem: {problem}\n")
        if below:
            out.write(f"\nCoverage {percent:.1f} % is below the minimum {min_percent:g} %.\n")
    if cov.problems:
        return 2
    return 1 if below else 0


def coverage_command(*, catalogue_path: str | Path = CATALOGUE_PATH, registry: "Registry | None" = None,
                     scenario_paths: Sequence[str | Path] = (), min_percent: float | None = None,
                     fmt: str = "text", uncovered_only: bool = False, out: TextIO | None = None,
                     err: TextIO | None = None) -> int:
    """Everything `simphonie requirements --coverage [--min-percent N] [--scenarios PATH...]` does; returns
    the exit code (2 for an unusable catalogue or suite)."""
    err = err or sys.stderr
    try:
        catalogue = load_catalogue(catalogue_path)
    except CatalogueError as exc:
        err.write(f"{exc}\n")
        return 2
    if registry is None:
        from conformance.checks import builtin
        registry = builtin()
    scenarios = None
    if scenario_paths:
        from conformance.scenarios import load_suites
        loaded = load_suites(scenario_paths, registry=registry, requirement_ids=set(catalogue.ids()))
        for problem in loaded.errors:
            err.write(f"{problem}\n")
        if loaded.errors:
            return 2
        scenarios = loaded.scenarios
    cov = coverage(catalogue, registry, scenarios)
    return render_coverage(cov, min_percent=min_percent, fmt=fmt, out=out, uncovered_only=uncovered_only)


# -- per-requirement verdict of a run -------------------------------------------------------------------

def judge_requirements(requirements: Iterable[Requirement],
                       scenarios: Iterable[ScenarioResult]) -> tuple[RequirementVerdict, ...]:
    """Each requirement gets the worst outcome of the checks that verified it in the run (optional checks
    included: an optional check that fails still means its SHOULD was not met), or `untested`."""
    runs: dict[str, list[tuple[str, str, Any]]] = defaultdict(list)
    for scenario in scenarios:
        for result in scenario.checks:
            for requirement_id in result.requirement_ids:
                runs[requirement_id].append((result.check_id, scenario.id, result.outcome))
    verdicts = []
    for r in requirements:
        seen = runs.get(r.id, [])
        status = RequirementStatus(worst(o for _, _, o in seen).value) if seen else RequirementStatus.UNTESTED
        failed = sorted({s for _, s, o in seen if o.value in ("fail", "error")})
        verdicts.append(RequirementVerdict(
            r.id, r.level.value, r.actor, r.text, r.source, status,
            tuple(sorted({c for c, _, _ in seen})), tuple(sorted({s for _, s, _ in seen})), tuple(failed)))
    return tuple(verdicts)
