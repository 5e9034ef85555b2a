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


class UnknownBehaviour(ValueError):
    pass


# (pattern, example, description, build) — one row per behaviour kind.
_KINDS: tuple[tuple[re.Pattern[str], str, str, Callable[[re.Match[str]], Behaviour]], ...] = (
    (re.compile(r"^decline:([0-9A-Z]{2})$"), "decline:05", "answer the next message with that DE39; no money moves",
     lambda m: Behaviour(m.group(0), decline_code=m.group(1))),
    (re.compile(r"^no_response$"), "no_response", "process the next message but never answer (the caller must reverse)",
     lambda m: Behaviour(m.group(0), no_response=True)),
    (re.compile(r"^latency:(\d{1,6})ms$"), "latency:400ms", "answer the next message after that delay",
     lambda m: Behaviour(m.group(0), delay_seconds=int(m.group(1)) / 1000)),
    (re.compile(r"^duplicate$"), "duplicate", "send the answer to the next message twice",
     lambda m: Behaviour(m.group(0), duplicate=True)),
)


def parse_behaviour(name: str) -> Behaviour:
    for pattern, _, _, build in _KINDS:
        match = pattern.match(name)
        if match:
            return build(match)
    raise UnknownBehaviour(f"unknown acquirer behaviour {name!r}; valid: " + ", ".join(row[1] for row in _KINDS))


def catalogue() -> list[dict[str, str]]:
    return [{"example": example, "pattern": pattern.pattern, "description": description}
            for pattern, example, description, _ in _KINDS]
