"""Scripted next answers of an acquirer session: `decline:05`, `no_response`, `latency:400ms`, `duplicate`.

A session holds a queue; each card, completion or reversal message (never an 08xx network message) takes the
next one. Names follow the bench's behaviour vocabulary (`latency:<n>ms`, as in simulators/behaviours.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable



@dataclass(frozen=True, slots=True)
class Behaviour:
    name: str  # the text it was parsed from, kept for the journal and snapshots
    decline_code: str | None = None  # answer with this DE39 and move no money
    no_response: bool = False  # process the message but send nothing: the caller must time out and reverse
    delay_seconds: float = 0.0  # answer late
    duplicate: bool = False  # send the answer twice


@dataclass(frozen=True, slots=True)
class _Kind:
    pattern: re.Pattern[str]
    example: str
    description: str
    build: Callable[[re.Match[str]], Behaviour]


class UnknownBehaviour(ValueError):
    pass


_KINDS: list[_Kind] = []


def _kind(pattern: str, example: str, description: str):
    def register(build: Callable[[re.Match[str]], Behaviour]) -> Callable[[re.Match[str]], Behaviour]:
        _KINDS.append(_Kind(re.compile(f"^{pattern}$"), example, description, build))
        return build
    return register


@_kind(r"decline:([0-9A-Z]{2})", "decline:05", "answer the next message with that DE39; no money moves")
def _decline(match: re.Match[str]) -> Behaviour:
    return Behaviour(match.group(0), decline_code=match.group(1))


@_kind(r"no_response", "no_response", "process the next message but never answer (the caller must reverse)")
def _no_response(match: re.Match[str]) -> Behaviour:
    return Behaviour(match.group(0), no_response=True)


@_kind(r"latency:(\d{1,6})ms", "latency:400ms", "answer the next message after that delay")
def _latency(match: re.Match[str]) -> Behaviour:
    return Behaviour(match.group(0), delay_seconds=int(match.group(1)) / 1000)


@_kind(r"duplicate", "duplicate", "send the answer to the next message twice")
def _duplicate(match: re.Match[str]) -> Behaviour:
    return Behaviour(match.group(0), duplicate=True)


def parse_behaviour(name: str) -> Behaviour:
    for kind in _KINDS:
        match = kind.pattern.match(name)
        if match:
            return kind.build(match)
    raise UnknownBehaviour(f"unknown acquirer behaviour {name!r}; valid: " + ", ".join(k.example for k in _KINDS))


def catalogue() -> list[dict[str, str]]:
    return [{"example": k.example, "pattern": k.pattern.pattern, "description": k.description} for k in _KINDS]
