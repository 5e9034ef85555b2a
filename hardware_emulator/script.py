"""What the terminal will do next: a queue of card outcomes, amount rules, a default, and armed line faults.

One `TerminalScript` per terminal, shared by every connection to it; thread-safe because the control API
scripts it while transports run. Loadable from a mapping (YAML file, JSON body).
"""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from hardware_emulator.faults import Fault, FaultError
from hardware_emulator.outcomes import UnknownOutcome, outcome, scriptable_outcomes


class ScriptError(ValueError):
    """A script that cannot be used; the message names the key and the bad value."""


@dataclass(frozen=True, slots=True)
class ScriptedOutcome:
    name: str
    delay: float = 0.0  # seconds the cardholder takes at the terminal

    @classmethod
    def build(cls, name: str, delay: float = 0.0) -> ScriptedOutcome:
        spec = outcome(name)
        if not spec.scriptable:
            raise UnknownOutcome(f"outcome {name!r} is decided by the terminal, not scriptable; "
                                 f"valid: {', '.join(scriptable_outcomes())}")
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
            raise ScriptError(f"outcome {name!r}: 'delay' must be a non-negative number, received {delay!r}")
        return cls(name, float(delay))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "delay": self.delay}


class TerminalScript:
    def __init__(self, *, default_outcome: str = "approved", protocol: str | None = None) -> None:
        self._lock = threading.Lock()
        self._outcomes: deque[ScriptedOutcome] = deque()
        self._amount_rules: dict[int, ScriptedOutcome] = {}
        self._default = ScriptedOutcome.build(default_outcome)
        self._faults: dict[str, Fault] = {}
        self.protocol = protocol  # when set, faults that do not apply to it are refused

    # outcomes ---------------------------------------------------------------------------------------------
    def queue_outcome(self, name: str, delay: float = 0.0) -> None:
        item = ScriptedOutcome.build(name, delay)
        with self._lock:
            self._outcomes.append(item)

    def set_outcomes(self, items: Iterable[str | Mapping[str, Any]], *, replace: bool = True) -> None:
        parsed = [_parse_outcome(item, f"outcomes[{index}]") for index, item in enumerate(items)]
        with self._lock:
            if replace:
                self._outcomes.clear()
            self._outcomes.extend(parsed)

    def set_default_outcome(self, name: str) -> None:
        item = ScriptedOutcome.build(name)
        with self._lock:
            self._default = item

    def set_amount_rule(self, amount_cents: int, name: str) -> None:
        """Every transaction of exactly this amount gets this outcome (when the queue is empty)."""
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents < 0:
            raise ScriptError(f"amount rule: amount must be non-negative integer cents, received {amount_cents!r}")
        item = ScriptedOutcome.build(name)
        with self._lock:
            self._amount_rules[amount_cents] = item

    def next_outcome(self, amount_cents: int) -> ScriptedOutcome:
        """Queue first, then the amount rule, then the default."""
        with self._lock:
            if self._outcomes:
                return self._outcomes.popleft()
            return self._amount_rules.get(amount_cents, self._default)

    # faults -----------------------------------------------------------------------------------------------
    def arm_fault(self, kind: str, count: int | None = 1, **params: Any) -> Fault:
        fault = Fault.build(kind, count, self.protocol, **params)
        with self._lock:
            self._faults[kind] = fault
        return fault

    def set_faults(self, items: Iterable[Mapping[str, Any]], *, replace: bool = True) -> None:
        parsed = [_parse_fault(item, f"faults[{index}]", self.protocol) for index, item in enumerate(items)]
        with self._lock:
            if replace:
                self._faults.clear()
            self._faults.update({fault.kind: fault for fault in parsed})

    def take_fault(self, kind: str) -> Fault | None:
        """Consume one firing of `kind` if armed."""
        with self._lock:
            fault = self._faults.get(kind)
            if fault is None:
                return None
            if fault.count is not None:
                if fault.count <= 1:
                    del self._faults[kind]
                else:
                    self._faults[kind] = Fault(fault.kind, fault.count - 1, fault.params)
            return fault

    def clear(self) -> None:
        with self._lock:
            self._outcomes.clear()
            self._amount_rules.clear()
            self._faults.clear()
            self._default = ScriptedOutcome("approved")

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "default_outcome": self._default.name,
                "outcomes": [o.to_dict() for o in self._outcomes],
                "amount_rules": {str(k): v.name for k, v in sorted(self._amount_rules.items())},
                "faults": [f.to_dict() for f in self._faults.values()],
            }

    # loading ----------------------------------------------------------------------------------------------
    def apply(self, data: Mapping[str, Any]) -> None:
        """Apply a script mapping (`default_outcome`, `outcomes`, `amount_rules`, `faults`), replacing queues."""
        if not isinstance(data, Mapping):
            raise ScriptError(f"a terminal script must be a mapping, received {type(data).__name__}")
        unknown = set(data) - {"default_outcome", "outcomes", "amount_rules", "faults", "seed"}
        if unknown:
            raise ScriptError(f"unknown script key(s) {', '.join(sorted(unknown))}; valid: default_outcome, "
                              "outcomes, amount_rules, faults, seed")
        try:
            if "default_outcome" in data:
                self.set_default_outcome(data["default_outcome"])
            if "outcomes" in data:
                self.set_outcomes(_as_list(data["outcomes"], "outcomes"))
            rules = data.get("amount_rules") or {}
            if not isinstance(rules, Mapping):
                raise ScriptError("'amount_rules' must map amounts in cents to outcome names")
            for amount, name in rules.items():
                self.set_amount_rule(_as_cents(amount), name)
            if "faults" in data:
                self.set_faults(_as_list(data["faults"], "faults"))
        except (UnknownOutcome, FaultError) as error:
            raise ScriptError(str(error)) from None


def load_script(path: str | Path, script: TerminalScript | None = None) -> tuple[TerminalScript, int | None]:
    """Read a YAML script file into `script` (a new one by default); returns it and the file's `seed`, if any."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ScriptError(f"{path}: cannot read terminal script: {error}") from None
    script = script or TerminalScript()
    try:
        script.apply(data or {})
    except ScriptError as error:
        raise ScriptError(f"{path}: {error}") from None
    seed = (data or {}).get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ScriptError(f"{path}: 'seed' must be an integer, received {seed!r}")
    return script, seed


def _as_list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScriptError(f"{key!r} must be a list, received {type(value).__name__}")
    return value


def _as_cents(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise ScriptError(f"amount rule key must be integer cents, received {value!r}") from None


def _parse_outcome(item: Any, where: str) -> ScriptedOutcome:
    try:
        if isinstance(item, str):
            return ScriptedOutcome.build(item)
        if isinstance(item, Mapping) and set(item) <= {"name", "delay"} and "name" in item:
            return ScriptedOutcome.build(item["name"], item.get("delay", 0.0))
    except (UnknownOutcome, ScriptError) as error:
        raise ScriptError(f"{where}: {error}") from None
    raise ScriptError(f"{where}: expected an outcome name or {{name, delay}}, received {item!r}")


def _parse_fault(item: Any, where: str, protocol: str | None) -> Fault:
    if not isinstance(item, Mapping) or "kind" not in item:
        raise ScriptError(f"{where}: expected a mapping with 'kind', received {item!r}")
    params = {k: v for k, v in item.items() if k not in ("kind", "count")}
    count = item.get("count", 1)
    try:
        return Fault.build(item["kind"], None if count == "always" else count, protocol, **params)
    except FaultError as error:
        raise ScriptError(f"{where}: {error}") from None
