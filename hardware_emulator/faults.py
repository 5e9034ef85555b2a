"""Line faults a terminal can be told to commit, in a registry keyed by name.

A fault is armed with a count (how many times it fires, or `None` for every time) and parameters; the
protocol core consumes it at the moment the fault applies (the next ENQ, the next answer...).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CONCERT = "concert"
CAISSE_AP = "caisse-ap"
PROTOCOLS = (CONCERT, CAISSE_AP)


@dataclass(frozen=True, slots=True)
class FaultKind:
    name: str
    protocols: tuple[str, ...]
    params: dict[str, float | str]  # parameter -> default value
    description: str


_KINDS: dict[str, FaultKind] = {}


def _register(name: str, protocols: tuple[str, ...], description: str, **params: float | str) -> None:
    _KINDS[name] = FaultKind(name, protocols, dict(params), description)


_register("no_ack_to_enq", (CONCERT,), "ignore the cash register's ENQ (terminal busy or not configured)")
_register("nak_frame", (CONCERT,), "answer NAK to a valid request frame (the cash register must retransmit)")
_register("corrupt_lrc", (CONCERT,), "send the answer frame with a wrong LRC (the cash register must NAK)")
_register("bad_length", (CAISSE_AP,), "answer with a TLV length prefix that disagrees with its value")
_register("no_answer", PROTOCOLS, "accept the request, then never answer")
_register("no_eot", (CONCERT,), "do not send EOT after the answer was acknowledged")
_register("split_write", PROTOCOLS, "write the answer in two parts with a pause (around the 3 s inter-byte limit)",
          gap=3.2, at=0.5)
_register("late_answer", PROTOCOLS, "answer only after `delay` seconds (pyTeliumManager waits 120 s)", delay=121.0)
_register("garbage", PROTOCOLS, "send noise bytes before the answer", data="00ff7e47415242414745")
_register("duplicate_answer", PROTOCOLS, "send the same answer a second time")
_register("wrong_echo", PROTOCOLS, "echo an amount one cent off the requested one")


class FaultError(ValueError):
    pass


def fault_kind(name: str) -> FaultKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise FaultError(f"unknown line fault {name!r}; valid: {', '.join(_KINDS)}") from None


def catalogue() -> list[dict[str, Any]]:
    return [{"kind": k.name, "protocols": list(k.protocols), "params": dict(k.params), "description": k.description}
            for k in _KINDS.values()]


@dataclass(frozen=True, slots=True)
class Fault:
    """One armed fault: `count` firings left (None: fires every time), parameters with defaults filled in."""

    kind: str
    count: int | None = 1
    params: dict[str, float | str] = field(default_factory=dict)

    @classmethod
    def build(cls, kind: str, count: int | None = 1, protocol: str | None = None, **params: Any) -> Fault:
        spec = fault_kind(kind)
        if protocol is not None and protocol not in spec.protocols:
            raise FaultError(f"line fault {kind!r} does not apply to {protocol}; it applies to "
                             f"{', '.join(spec.protocols)}")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
            raise FaultError(f"fault {kind!r}: 'count' must be a positive integer or 'always', received {count!r}")
        unknown = set(params) - set(spec.params)
        if unknown:
            raise FaultError(f"fault {kind!r}: unknown parameter(s) {', '.join(sorted(unknown))}; "
                             f"valid: {', '.join(spec.params) or 'none'}")
        values: dict[str, float | str] = dict(spec.params)
        for name, value in params.items():
            default = spec.params[name]
            if isinstance(default, float):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise FaultError(f"fault {kind!r}: {name!r} must be a non-negative number, received {value!r}")
                values[name] = float(value)
            else:
                values[name] = _checked_hex(kind, name, value)
        return cls(kind, count, values)

    def number(self, name: str) -> float:
        return float(self.params[name])

    def data(self, name: str) -> bytes:
        return bytes.fromhex(str(self.params[name]))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "count": "always" if self.count is None else self.count, **self.params}


def _checked_hex(kind: str, name: str, value: Any) -> str:
    try:
        if not isinstance(value, str) or not bytes.fromhex(value):
            raise ValueError
    except ValueError:
        raise FaultError(f"fault {kind!r}: {name!r} must be non-empty hex bytes, received {value!r}") from None
    return value
