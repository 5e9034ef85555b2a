"""Scenario suites in YAML: read with line numbers, validated against scenario.schema.json, turned into typed
steps. Every problem is a LoadError with file:line (and the scenario and step), and a broken file or scenario
never stops the others from loading.

A suite is a folder: `suite.yaml` holds its `suite:` header (id, version, title, sut) and every `*.yaml` /
`*.yml` file below it holds `scenarios:`. A single file can also be a suite by itself (header optional).
Step indices are 1-based, as people count them.
"""
from __future__ import annotations

import copy
import difflib
import json
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Collection, Iterable, Sequence, Union

import jsonschema
import yaml

from conformance.model import STEP_KINDS

if TYPE_CHECKING:
    from conformance.checks import Registry

SCHEMA_PATH = Path(__file__).with_name("scenario.schema.json")
DEFAULT_AWAIT_TIMEOUT_S = 10.0
SUITE_FILE = "suite.yaml"


# -- YAML that remembers where things were ---------------------------------------------------------

class LineDict(dict):
    """A YAML mapping that knows its line and the line of each key."""

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}


class LineList(list):
    """A YAML sequence that knows its line and the line of each item."""

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


class YamlError(Exception):
    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")
        self.file, self.line, self.message = file, line, message


class _LineLoader(yaml.SafeLoader):
    """SafeLoader with line-aware containers, duplicate keys refused, and dates kept as strings (the schema
    and the domain parse them; YAML 1.1 would turn `2026-03-02` into a date object)."""


_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in mapping
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, f"unhashable key {key!r}", key_node.start_mark)
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {mapping.key_lines[key]})", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    sequence = LineList(node.start_mark.line + 1)
    for item in node.value:
        sequence.append(loader.construct_object(item, deep=True))
        sequence.item_lines.append(item.start_mark.line + 1)
    return sequence


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def read_yaml(path: str | Path) -> Any:
    """Parse one YAML document into LineDict/LineList trees; YamlError carries the file and line."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlError(name, 0, f"cannot read the file: {exc}") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlError(name, mark.line + 1 if mark else 0, f"bad YAML: {detail}") from None
    except yaml.YAMLError as exc:
        raise YamlError(name, 0, f"bad YAML: {exc}") from None


def line_of(root: Any, path: Sequence[Any]) -> int:
    """Line of the deepest node along `path` whose position is known."""
    line = getattr(root, "line", 0)
    node = root
    for part in path:
        if isinstance(node, LineDict) and part in node:
            line, node = node.key_lines.get(part, line), node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line, node = node.item_lines[part], node[part]
        else:
            break
    return line


def schema_problems(validator: jsonschema.protocols.Validator, instance: Any, root: Any,
                    prefix: Sequence[Any] = ()) -> list[tuple[int, str]]:
    """(line, message) for every schema violation of `instance`, located inside `root` through `prefix`."""
    problems = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]):
        text = error.message
        if error.context:  # oneOf/anyOf: say what each alternative wanted, or the closest one when nested
            if all(not e.relative_path for e in error.context):
                text = "; or ".join(dict.fromkeys(e.message for e in error.context))
            else:
                error = jsonschema.exceptions.best_match(error.context)
                text = error.message
        path = list(error.absolute_path)
        line_path = [*prefix, *path]
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            extras = [k for k in error.instance if k not in error.schema.get("properties", {})]
            line_path += extras[:1]  # point at the unexpected key, not at its parent
        where = ".".join(str(p) for p in path)  # relative to `instance`: the caller names the scenario/step
        problems.append((line_of(root, line_path), f"{where}: {text}" if where else text))
    return problems


@lru_cache(maxsize=None)
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(definition: str, loose: tuple[str, ...] = ()) -> jsonschema.Draft202012Validator:
    """Validator for one `$defs` entry, with the named sub-definitions accepting any object (checked later,
    one by one, so a bad step is reported as itself and not as "not valid under any of the given schemas")."""
    defs = copy.deepcopy(_schema()["$defs"])
    for name in loose:
        defs[name] = {}
    if definition == "file":
        schema = {**copy.deepcopy(_schema()), "$defs": defs}
    else:
        schema = {"$ref": f"#/$defs/{definition}", "$defs": defs}
    return jsonschema.Draft202012Validator(schema)


# -- the typed scenario ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BehaviourSpec:
    """A behaviour to switch on in the session (simulators.behaviours names); `times` None means forever."""

    name: str
    actor: str | None = None
    service: str | None = None
    target: str | None = None
    times: int | None = None


@dataclass(frozen=True, slots=True)
class CheckCall:
    check_id: str
    params: dict[str, Any] = field(default_factory=dict)
    verifies: tuple[str, ...] = ()  # requirement ids this call verifies beyond the check's own
    line: int = 0


@dataclass(frozen=True, slots=True)
class GivenStep:
    kind: ClassVar[str] = "given"
    index: int
    line: int
    title: str = ""
    persona: str | None = None
    behaviours: tuple[BehaviourSpec, ...] = ()
    clock: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        if self.title:
            return self.title
        parts = [f"persona {self.persona}" if self.persona else "",
                 "behaviours " + ", ".join(b.name for b in self.behaviours) if self.behaviours else "",
                 f"clock {self.clock}" if self.clock else ""]
        parts = [p for p in parts if p]
        return "given " + "; ".join(parts) if parts else "given"


@dataclass(frozen=True, slots=True)
class DriveStep:
    kind: ClassVar[str] = "drive"
    index: int
    line: int
    title: str = ""
    action: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return self.title or f"drive {self.action}"


@dataclass(frozen=True, slots=True)
class SendStep:
    kind: ClassVar[str] = "send"
    index: int
    line: int
    title: str = ""
    operation: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return self.title or f"send {self.operation}"


@dataclass(frozen=True, slots=True)
class AwaitStep:
    kind: ClassVar[str] = "await"
    index: int
    line: int
    title: str = ""
    service: str = ""
    actor: str | None = None
    count: int = 1
    timeout_s: float = DEFAULT_AWAIT_TIMEOUT_S

    def describe(self) -> str:
        times = f" ×{self.count}" if self.count > 1 else ""
        return self.title or f"await {self.service}{times} (timeout {self.timeout_s:g} s)"


@dataclass(frozen=True, slots=True)
class ExpectStep:
    kind: ClassVar[str] = "expect"
    index: int
    line: int
    title: str = ""
    checks: tuple[CheckCall, ...] = ()

    def describe(self) -> str:
        return self.title or "expect " + ", ".join(c.check_id for c in self.checks)


Step = Union[GivenStep, DriveStep, SendStep, AwaitStep, ExpectStep]


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    suite: str
    file: str
    line: int
    steps: tuple[Step, ...]
    tags: tuple[str, ...] = ()
    description: str = ""
    requirements: tuple[str, ...] = ()  # requirement ids the scenario is about (documentation)
    skip: str | None = None  # reason when the scenario is not to be run
    sut: str = "gap"

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def check_calls(self) -> tuple[CheckCall, ...]:
        return tuple(call for step in self.steps if isinstance(step, ExpectStep) for call in step.checks)


@dataclass(frozen=True, slots=True)
class Suite:
    id: str
    version: str
    title: str
    sut: str
    path: str
    scenarios: tuple[Scenario, ...]


@dataclass(frozen=True, slots=True)
class LoadError:
    file: str
    line: int
    message: str
    scenario: str | None = None
    step: int | None = None

    def __str__(self) -> str:
        parts = [f"{self.file}:{self.line}" if self.line else self.file]
        if self.scenario:
            parts.append(f"scenario {self.scenario}")
        if self.step is not None:
            parts.append(f"step {self.step}")
        return ": ".join(parts + [self.message])


@dataclass(frozen=True, slots=True)
class LoadResult:
    suites: tuple[Suite, ...]
    errors: tuple[LoadError, ...]

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return tuple(s for suite in self.suites for s in suite.scenarios)

    @property
    def ok(self) -> bool:
        return not self.errors


# -- building steps ----------------------------------------------------------------------------------

def _timeout_seconds(value: Any) -> float:
    if value is None:
        return DEFAULT_AWAIT_TIMEOUT_S
    if isinstance(value, (int, float)):
        return float(value)
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s)", value).groups()  # the schema guarantees the form
    return float(number) / (1000 if unit == "ms" else 1)


def _valid_clock(value: str) -> bool:
    from simulators.clock import is_day

    return is_day(value)


def _plain(value: Any) -> Any:
    """Line-aware containers back to plain dicts and lists (results must not drag YAML details around)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _suggest(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


class _FileLoader:
    """Loads the scenarios of one file, collecting problems instead of stopping at the first."""

    def __init__(self, file: str, root: Any, suite_id: str, sut: str, *, registry: "Registry | None",
                 personas: Collection[str] | None, requirement_ids: Collection[str] | None) -> None:
        self.file, self.root, self.suite_id, self.sut = file, root, suite_id, sut
        self.registry, self.personas, self.requirement_ids = registry, personas, requirement_ids
        self.errors: list[LoadError] = []

    def error(self, path: Sequence[Any], message: str, scenario: str | None = None, step: int | None = None) -> None:
        self.errors.append(LoadError(self.file, line_of(self.root, path), message, scenario, step))

    def schema(self, definition: str, loose: tuple[str, ...], instance: Any, path: Sequence[Any],
               scenario: str | None = None, step: int | None = None) -> bool:
        problems = schema_problems(_validator(definition, loose), instance, self.root, path)
        for line, message in problems:
            self.errors.append(LoadError(self.file, line, message, scenario, step))
        return not problems

    def scenarios(self) -> list[Scenario]:
        loaded = []
        for position, raw in enumerate(self.root.get("scenarios", [])):
            path = ["scenarios", position]
            scenario_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
            before = len(self.errors)
            if not self.schema("scenario", ("step",), raw, path, scenario_id):
                continue
            steps = [self.step(raw_step, [*path, "steps", i], scenario_id, i + 1)
                     for i, raw_step in enumerate(raw["steps"])]
            for requirement in raw.get("requirements", []):
                self.check_requirement(requirement, [*path, "requirements"], scenario_id, None)
            if len(self.errors) == before:
                loaded.append(Scenario(
                    id=raw["id"], title=raw["title"], suite=self.suite_id, file=self.file,
                    line=line_of(self.root, path), steps=tuple(steps), tags=tuple(raw.get("tags", [])),
                    description=raw.get("description", ""), requirements=tuple(raw.get("requirements", [])),
                    skip=raw.get("skip"), sut=self.sut))
        return loaded

    def check_requirement(self, requirement: str, path: list[Any], scenario: str | None, step: int | None) -> None:
        if self.requirement_ids is not None and requirement not in self.requirement_ids:
            self.error(path, f"unknown requirement {requirement!r}{_suggest(requirement, self.requirement_ids)}",
                       scenario, step)

    def step(self, raw: Any, path: list[Any], scenario: str | None, index: int) -> Step | None:
        if not isinstance(raw, dict):
            self.error(path, f"a step is a mapping with one of {', '.join(STEP_KINDS)}, got {type(raw).__name__}",
                       scenario, index)
            return None
        kinds = [key for key in raw if key in STEP_KINDS]
        unknown = [key for key in raw if key not in STEP_KINDS and key != "title"]
        if len(kinds) != 1:
            if kinds:
                message = f"a step has exactly one kind, found {' and '.join(kinds)}"
            elif unknown:
                message = (f"unknown step kind {unknown[0]!r}{_suggest(str(unknown[0]), STEP_KINDS)}"
                           f" (expected one of {', '.join(STEP_KINDS)})")
            else:
                message = f"a step needs one of {', '.join(STEP_KINDS)}"
            self.error(path, message, scenario, index)
            return None
        kind = kinds[0]
        loose = {"given": ("behaviour",), "expect": ("check_call",)}.get(kind, ())
        if not self.schema(f"{kind}_step", loose, raw, path, scenario, index):
            return None
        body, line, title = raw[kind], line_of(self.root, path), raw.get("title", "")
        return getattr(self, f"_{kind}")(body, [*path, kind], scenario, index, line, title)

    def _given(self, body: dict, path: list[Any], scenario: str | None, index: int, line: int, title: str) -> GivenStep:
        persona = body.get("persona")
        if persona is not None and self.personas is not None and persona not in self.personas:
            self.error([*path, "persona"], f"unknown persona {persona!r}{_suggest(persona, self.personas)}",
                       scenario, index)
        clock = body.get("clock")
        if clock is not None and not _valid_clock(clock):
            self.error([*path, "clock"], f"clock {clock!r} is neither a day offset from the run's day (+5d, -1d) "
                       "nor an ISO 8601 date", scenario, index)
        behaviours = []
        for i, raw in enumerate(body.get("behaviours", [])):
            definition = "behaviour_object" if isinstance(raw, dict) else "behaviour_name"
            if self.schema(definition, (), raw, [*path, "behaviours", i], scenario, index):
                behaviours.append(BehaviourSpec(**raw) if isinstance(raw, dict) else BehaviourSpec(raw))
        return GivenStep(index, line, title, persona, tuple(behaviours), clock, _plain(body.get("data", {})))

    def _drive(self, body: dict, path: list[Any], scenario: str | None, index: int, line: int, title: str) -> DriveStep:
        return DriveStep(index, line, title, body["action"], _plain(body.get("params", {})))

    def _send(self, body: dict, path: list[Any], scenario: str | None, index: int, line: int, title: str) -> SendStep:
        return SendStep(index, line, title, body["operation"], _plain(body.get("params", {})))

    def _await(self, body: dict, path: list[Any], scenario: str | None, index: int, line: int, title: str) -> AwaitStep:
        return AwaitStep(index, line, title, body["service"], body.get("actor"), body.get("count", 1),
                         _timeout_seconds(body.get("timeout")))

    def _expect(self, body: list, path: list[Any], scenario: str | None, index: int, line: int,
                title: str) -> ExpectStep:
        calls = []
        for i, raw in enumerate(body):
            call = self.check_call(raw, [*path, i], scenario, index)
            if call is not None:
                calls.append(call)
        return ExpectStep(index, line, title, tuple(calls))

    def check_call(self, raw: Any, path: list[Any], scenario: str | None, index: int) -> CheckCall | None:
        if isinstance(raw, dict) and "check" in raw:
            definition = "check_call_full"
        elif isinstance(raw, dict):
            definition = "check_call_short"
        else:
            definition = "check_id"
        if not self.schema(definition, (), raw, path, scenario, index):
            return None
        line = line_of(self.root, path)
        if isinstance(raw, str):
            call = CheckCall(raw, {}, (), line)
        elif definition == "check_call_full":
            call = CheckCall(raw["check"], _plain(raw.get("params", {})), tuple(raw.get("verifies", [])), line)
        else:
            (check_id, params), = raw.items()
            call = CheckCall(check_id, _plain(params or {}), (), line)
        for requirement in call.verifies:
            self.check_requirement(requirement, [*path, "verifies"], scenario, index)
        if self.registry is not None:
            if call.check_id not in self.registry:
                self.error(path, f"unknown check {call.check_id!r}{_suggest(call.check_id, self.registry.ids())}",
                           scenario, index)
                return None
            for problem in self.registry.get(call.check_id).param_problems(call.params):
                self.error(path, f"check {call.check_id}: bad parameters: {problem}", scenario, index)
        return call


# -- suites -------------------------------------------------------------------------------------------

def _suite_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def load_suite(path: str | Path, *, registry: "Registry | None" = None, personas: Collection[str] | None = None,
               requirement_ids: Collection[str] | None = None) -> tuple[Suite | None, list[LoadError]]:
    """One suite (a folder, or a single file). Returns the suite with every scenario that loaded cleanly,
    and the problems found; None only when the path does not exist."""
    path = Path(path)
    if not path.exists():
        return None, [LoadError(str(path), 0, "no such file or folder")]
    errors: list[LoadError] = []
    documents: list[tuple[str, Any]] = []
    for file in _suite_files(path):
        try:
            root = read_yaml(file)
        except YamlError as exc:
            errors.append(LoadError(exc.file, exc.line, exc.message))
            continue
        if root is None:
            errors.append(LoadError(str(file), 0, "empty file: expected 'suite:' or 'scenarios:'"))
            continue
        problems = schema_problems(_validator("file", ("scenario",)), root, root)
        if problems:
            errors.extend(LoadError(str(file), line, message) for line, message in problems)
            continue
        documents.append((str(file), root))

    headers = [(file, root) for file, root in documents if "suite" in root]
    for file, root in headers[1:]:
        errors.append(LoadError(file, line_of(root, ["suite"]),
                                f"a suite has one header; it is already in {headers[0][0]}"))
    header = headers[0][1]["suite"] if headers else {}
    suite_id = header.get("id", path.stem if path.is_file() else path.name)
    sut = header.get("sut", "gap")

    scenarios: list[Scenario] = []
    first_seen: dict[str, Scenario] = {}
    for file, root in documents:
        loader = _FileLoader(file, root, suite_id, sut, registry=registry, personas=personas,
                             requirement_ids=requirement_ids)
        for scenario in loader.scenarios():
            if scenario.id in first_seen:
                loader.errors.append(LoadError(file, scenario.line,
                                               f"duplicate scenario id (first at {first_seen[scenario.id].source})",
                                               scenario.id))
                continue
            first_seen[scenario.id] = scenario
            scenarios.append(scenario)
        errors.extend(loader.errors)
    errors.sort(key=lambda e: (e.file, e.line))
    suite = Suite(suite_id, header.get("version", "unversioned"), header.get("title", suite_id), sut, str(path),
                  tuple(scenarios))
    return suite, errors


def load_suites(paths: Iterable[str | Path], *, registry: "Registry | None" = None,
                personas: Collection[str] | None = None,
                requirement_ids: Collection[str] | None = None) -> LoadResult:
    """Every suite named; scenario ids must be unique across them. Pass `registry` to check check ids and
    parameters, `personas` to check persona names, `requirement_ids` to check `verifies:` and `requirements:`."""
    suites: list[Suite] = []
    errors: list[LoadError] = []
    owners: dict[str, Scenario] = {}
    for path in paths:
        suite, suite_errors = load_suite(path, registry=registry, personas=personas, requirement_ids=requirement_ids)
        errors.extend(suite_errors)
        if suite is None:
            continue
        kept = []
        for scenario in suite.scenarios:
            if scenario.id in owners:
                errors.append(LoadError(scenario.file, scenario.line,
                                        f"duplicate scenario id (first at {owners[scenario.id].source})", scenario.id))
                continue
            owners[scenario.id] = scenario
            kept.append(scenario)
        suites.append(Suite(suite.id, suite.version, suite.title, suite.sut, suite.path, tuple(kept)))
    return LoadResult(tuple(suites), tuple(errors))


def select(scenarios: Iterable[Scenario], *, tags: Iterable[str] = (), ids: Iterable[str] = ()) -> list[Scenario]:
    """Scenarios having any of the tags (a tag written `!slow` excludes) and matching any id pattern (globs)."""
    tags = list(tags)
    include = {t for t in tags if not t.startswith("!")}
    exclude = {t[1:] for t in tags if t.startswith("!")}
    patterns = list(ids)
    return [
        s for s in scenarios
        if (not include or include & set(s.tags)) and not exclude & set(s.tags)
        and (not patterns or any(fnmatchcase(s.id, p) for p in patterns))
    ]
