"""Load profiles: YAML files (load/profiles/*.yaml) read into a frozen `LoadProfile`, with errors as file:key.

A profile says who sends what (mix of user classes, flow of a stay), how many and how fast (peak users, spawn
rate, duration, shape) and what must hold (thresholds). Stage users and times are shares of the peak users and
of the duration, so `--users` and `--duration` scale a whole shape. Nothing here imports Locust.
"""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import jsonschema
import yaml

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
SCHEMA_PATH = Path(__file__).resolve().parent / "profile.schema.json"

# mix key -> user class name in load.users (the registry the locustfile reads)
USER_CLASSES: dict[str, str] = {"roc": "HospitalGapUser", "cdri": "CdriUser", "diapason": "DiapasonDeskUser",
                                 "terminal": "PaymentTerminalUser"}

DEFAULTS: dict[str, Any] = {
    "description": "",
    "think_time": [0.0, 0.0],
    "seed": 1,
    "dataset_seed": 20261125,
    "stay_offset": 0,
    "soap_version": "1.1",
    "message_profile": "bench-roc-1",
    "timeout": 10.0,
    "flow": {"annuaire": 1.0, "sim": 0.5, "clc": 0.9, "cancel": 0.05, "refund": 0.05, "consent": 0.3},
    "validation": {"sample": 0.05},
}


class ProfileError(ValueError):
    """A profile that cannot be used; each line of the message is `file:key: what is wrong`."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}:{key or '(top level)'}: {why}" for key, why in problems))


@dataclass(frozen=True, slots=True)
class Flow:
    """The order of each user's steps is fixed; these are the shares.

    ROC stay: annuaire → IDB → SIM → CLC → cancellation → CLC. CDRi: one rights query per stay (no shares).
    DIAPASON: consent → notification → debit → refund. Terminal: a payment, or a DIAPASON consent.
    """

    annuaire: float = 1.0
    sim: float = 0.5
    clc: float = 0.9
    cancel: float = 0.05
    refund: float = 0.05
    consent: float = 0.3


@dataclass(frozen=True, slots=True)
class Stage:
    """Until `until` seconds into the run, hold `users` users, reached at `spawn_rate` users per second."""

    until: float
    users: int
    spawn_rate: float


@dataclass(frozen=True)
class LoadProfile:
    name: str
    source: str
    users: int
    spawn_rate: float
    duration: float
    mix: Mapping[str, float]
    shape_kind: str
    thresholds: Mapping[str, Any]
    description: str = ""
    think_time: tuple[float, float] = (0.0, 0.0)
    seed: int = 1
    dataset_seed: int = 20261125
    stay_offset: int = 0
    soap_version: str = "1.1"
    message_profile: str = "bench-roc-1"
    timeout: float = 10.0
    flow: Flow = field(default_factory=Flow)
    validation_sample: float = 0.05
    relative_stages: tuple[Mapping[str, float], ...] = ()

    def stages(self) -> tuple[Stage, ...]:
        """The shape in seconds and users: `steady` is one stage, `stages` scales the shares."""
        if self.shape_kind == "steady":
            return (Stage(self.duration, self.users, self.spawn_rate),)
        return tuple(
            Stage(round(s["until"] * self.duration, 3),
                  max(1, round(s["users"] * self.users)) if s["users"] > 0 else 0,
                  float(s.get("spawn_rate", self.spawn_rate)))
            for s in self.relative_stages)

    def uses(self, mix_key: str) -> bool:
        """Whether the mix has users of this class (`roc`, `cdri`…)."""
        return self.mix.get(mix_key, 0) > 0

    def user_classes(self) -> dict[str, float]:
        """Class name -> weight, for the classes with a weight above zero."""
        return {USER_CLASSES[key]: weight for key, weight in self.mix.items() if weight > 0}

    def with_overrides(self, *, users: int | None = None, duration: float | None = None,
                       seed: int | None = None, stay_offset: int | None = None) -> "LoadProfile":
        """Scale the run: more users also means proportionally faster spawn rates (same ramp durations)."""
        changes: dict[str, Any] = {}
        if users is not None:
            factor = users / self.users
            changes.update(users=users, spawn_rate=self.spawn_rate * factor, relative_stages=tuple(
                {**s, "spawn_rate": s["spawn_rate"] * factor} if "spawn_rate" in s else s
                for s in self.relative_stages))
        if duration is not None:
            changes["duration"] = duration
        if seed is not None:
            changes["seed"] = seed
        if stay_offset is not None:
            changes["stay_offset"] = stay_offset
        return dataclasses.replace(self, **changes) if changes else self

    def without(self, mix_key: str) -> "LoadProfile":
        """The run without one user class: the peak users shrink by its share, so the others keep theirs."""
        total = sum(weight for weight in self.mix.values() if weight > 0)
        share = max(0.0, self.mix.get(mix_key, 0)) / total if total else 0.0
        users = max(1, round(self.users * (1 - share)))
        mix = {key: weight for key, weight in self.mix.items() if key != mix_key}
        return dataclasses.replace(self.with_overrides(users=users) if users != self.users else self, mix=mix)

    def to_dict(self) -> dict[str, Any]:
        """The profile as a document of the same schema (what the Locust processes receive)."""
        shape: dict[str, Any] = {"kind": self.shape_kind}
        if self.shape_kind == "stages":
            shape["stages"] = [dict(s) for s in self.relative_stages]
        return {
            "name": self.name, "description": self.description, "users": self.users,
            "spawn_rate": self.spawn_rate, "duration": self.duration, "think_time": list(self.think_time),
            "seed": self.seed, "dataset_seed": self.dataset_seed, "stay_offset": self.stay_offset,
            "soap_version": self.soap_version, "message_profile": self.message_profile, "timeout": self.timeout, "mix": dict(self.mix),
            "flow": dataclasses.asdict(self.flow), "validation": {"sample": self.validation_sample},
            "shape": shape, "thresholds": json.loads(json.dumps(self.thresholds)),
        }


# reading ------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def available_profiles() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in PROFILES_DIR.glob("*.yaml")))


def profile_path(name_or_path: str | Path) -> Path:
    """A bundled profile by name (`morning-peak`) or any YAML file by path."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.parent != Path("."):
        return candidate
    return PROFILES_DIR / f"{name_or_path}.yaml"


def read_profile(name_or_path: str | Path) -> LoadProfile:
    path = profile_path(name_or_path)
    if not path.is_file():
        known = ", ".join(available_profiles())
        raise ProfileError(str(name_or_path), [("", f"no such load profile; bundled profiles: {known}, "
                                                    "or give the path of a YAML file")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise ProfileError(str(path), [(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    return profile_from_dict(data, str(path))


def _key(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator in ("required", "additionalProperties", "unevaluatedProperties"):
        names = re.findall(r"'([^']+)'", error.message)
        if names and error.validator == "required":
            parts.append(names[0])
    return ".".join(parts)


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return "missing"
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        names = re.findall(r"'([^']+)'", error.message)
        return f"unknown key(s) {', '.join(names)}" if names else error.message
    if error.validator == "not" and list(error.absolute_path)[-1:] == ["shape"]:
        return "'stages' only goes with kind: stages"
    return error.message


def profile_from_dict(data: Any, source: str = "<profile>") -> LoadProfile:
    """Validate a profile document (schema, then meaning) and build the `LoadProfile`."""
    if not isinstance(data, dict):
        raise ProfileError(source, [("", "expected a mapping of profile keys")])
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        raise ProfileError(source, [(_key(e), _message(e)) for e in errors])
    problems = _meaning_problems(data)
    if problems:
        raise ProfileError(source, problems)
    merged = {**DEFAULTS, **data}
    flow = {**DEFAULTS["flow"], **data.get("flow", {})}
    low, high = merged["think_time"]
    return LoadProfile(
        name=data["name"], source=source, description=merged["description"], users=data["users"],
        spawn_rate=float(data["spawn_rate"]), duration=float(data["duration"]), mix=dict(data["mix"]),
        shape_kind=data["shape"]["kind"], relative_stages=tuple(dict(s) for s in data["shape"].get("stages", ())),
        thresholds=dict(data["thresholds"]), think_time=(float(low), float(high)), seed=merged["seed"],
        dataset_seed=merged["dataset_seed"], stay_offset=merged["stay_offset"],
        soap_version=merged["soap_version"], message_profile=merged["message_profile"], timeout=float(merged["timeout"]), flow=Flow(**flow),
        validation_sample=float({**DEFAULTS["validation"], **data.get("validation", {})}["sample"]),
    )


def _meaning_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """What the schema cannot say: known user classes, ordered stages, a sensible think time."""
    problems: list[tuple[str, str]] = []
    for key, weight in data["mix"].items():
        if key not in USER_CLASSES:
            problems.append((f"mix.{key}", f"no such user class; available: {', '.join(USER_CLASSES)}"))
    if not any(weight > 0 for weight in data["mix"].values()):
        problems.append(("mix", "at least one user class needs a weight above 0"))
    stages = data["shape"].get("stages", [])
    for index, (before, after) in enumerate(zip(stages, stages[1:]), start=1):
        if after["until"] <= before["until"]:
            problems.append((f"shape.stages.{index}.until",
                             f"stages must end in order: {after['until']} comes after {before['until']}"))
    if stages and stages[-1]["until"] != 1:
        problems.append((f"shape.stages.{len(stages) - 1}.until",
                         f"the last stage must end the run (until: 1), received {stages[-1]['until']}"))
    if stages and not any(s["users"] > 0 for s in stages):
        problems.append(("shape.stages", "no stage has any user"))
    think = data.get("think_time")
    if think and think[0] > think[1]:
        problems.append(("think_time", f"expected [min, max], received min {think[0]} above max {think[1]}"))
    return problems


def stage_at(stages: tuple[Stage, ...], run_time: float) -> Stage | None:
    """The stage in force `run_time` seconds into the run, None once the last one has ended (stop)."""
    for stage in stages:
        if run_time < stage.until:
            return stage
    return None
