"""Named behaviours (delays and faults) a session can switch on, in a registry keyed by name pattern.

A behaviour name is what scenarios and personas write: `latency:1400ms`, `timeout`, `http_503`,
`soap_fault:rights.closed`, `malformed_answer`, `connection_reset`. Each resolves to an `Effect` that the
endpoint plumbing applies before the rule (delay, short-circuit) or after it (mangle the answer).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True, slots=True)
class Effect:
    delay_seconds: float = 0.0
    http_status: int | None = None  # short-circuit with an empty-ish HTTP error
    fault_key: str | None = None  # short-circuit with a SOAP fault from the catalogue
    malformed_answer: bool = False  # answer with bytes that are not XML
    connection_reset: bool = False  # drop the TCP connection without an answer
    hang: bool = False  # answer after `timeout_behaviour_seconds` (the client should time out first)


@dataclass(frozen=True, slots=True)
class BehaviourKind:
    pattern: re.Pattern[str]
    example: str
    description: str
    effect: Callable[[re.Match[str]], Effect]


class UnknownBehaviour(ValueError):
    pass


_KINDS: list[BehaviourKind] = []


def behaviour(pattern: str, example: str, description: str):
    def register(fn: Callable[[re.Match[str]], Effect]) -> Callable[[re.Match[str]], Effect]:
        _KINDS.append(BehaviourKind(re.compile(f"^{pattern}$"), example, description, fn))
        return fn
    return register


@behaviour(r"latency:(\d{1,6})ms", "latency:1400ms", "answer after the given delay (1.4 s is the real ROC median)")
def _latency(match: re.Match[str]) -> Effect:
    return Effect(delay_seconds=int(match.group(1)) / 1000)


@behaviour(r"timeout", "timeout", "hold the request without answering until the server's timeout behaviour limit")
def _timeout(match: re.Match[str]) -> Effect:
    return Effect(hang=True)


@behaviour(r"http_(5\d\d|4\d\d)", "http_503", "answer with that HTTP status and no SOAP body")
def _http(match: re.Match[str]) -> Effect:
    return Effect(http_status=int(match.group(1)))


@behaviour(r"soap_fault:([a-z_]+\.[a-z_]+)", "soap_fault:rights.closed", "answer with the catalogue fault of that error key")
def _fault(match: re.Match[str]) -> Effect:
    return Effect(fault_key=match.group(1))


@behaviour(r"malformed_answer", "malformed_answer", "answer 200 with a body that is not well-formed XML")
def _malformed(match: re.Match[str]) -> Effect:
    return Effect(malformed_answer=True)


@behaviour(r"connection_reset", "connection_reset", "reset the TCP connection without answering")
def _reset(match: re.Match[str]) -> Effect:
    return Effect(connection_reset=True)


def parse_behaviour(name: str) -> Effect:
    for kind in _KINDS:
        match = kind.pattern.match(name)
        if match:
            return kind.effect(match)
    raise UnknownBehaviour(
        f"unknown behaviour {name!r}; valid: " + ", ".join(kind.example for kind in _KINDS)
    )


def catalogue() -> list[dict[str, str]]:
    return [{"example": kind.example, "pattern": kind.pattern.pattern, "description": kind.description} for kind in _KINDS]


def combine(effects: list[Effect]) -> Effect:
    """Merge the effects of several behaviours: delays add up; the first short-circuit wins."""
    delay = sum(e.delay_seconds for e in effects)
    for effect in effects:
        if effect.http_status or effect.fault_key or effect.malformed_answer or effect.connection_reset or effect.hang:
            return Effect(delay, effect.http_status, effect.fault_key, effect.malformed_answer,
                          effect.connection_reset, effect.hang)
    return Effect(delay_seconds=delay)
