"""The acquirer's ISO 8583:1987 message profile: which MTIs it serves, their mandatory fields, field formats.

One registry (`KINDS`) drives validation, the answer's MTI and which fields are echoed, so the simulator, the
client and docs/acquirer.md agree. Repeats (xx1: 0101, 0221, 0421...) are the same kind as their first send.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

AUTHORISATION = "authorisation"
FINANCIAL = "financial"
COMPLETION = "completion"
REVERSAL = "reversal"
NETWORK = "network"


@dataclass(frozen=True, slots=True)
class MessageKind:
    """One request MTI the acquirer answers."""

    mti: str  # the first-send request MTI, e.g. "0100"
    name: str  # authorisation, financial, completion, reversal, network
    response_mti: str
    mandatory: tuple[str, ...]
    checks_stan: bool = True  # duplicate-STAN detection applies


KINDS: dict[str, MessageKind] = {
    kind.mti: kind
    for kind in (
        MessageKind("0100", AUTHORISATION, "0110", ("2", "3", "4", "7", "11", "41", "49")),
        MessageKind("0200", FINANCIAL, "0210", ("2", "3", "4", "7", "11", "41", "49")),
        MessageKind("0220", COMPLETION, "0230", ("3", "4", "7", "11", "41", "90")),
        MessageKind("0400", REVERSAL, "0410", ("4", "7", "11", "41", "90")),
        MessageKind("0420", REVERSAL, "0430", ("4", "7", "11", "41", "90")),
        MessageKind("0800", NETWORK, "0810", ("7", "11", "70"), checks_stan=False),
    )
}

# Fields copied from the request into the answer. Card data (2, 14, 35, 52, 55) is never echoed.
ECHOED: tuple[str, ...] = ("3", "4", "7", "11", "12", "13", "32", "33", "41", "42", "49", "70", "90")

# Card data the journal withholds entirely (PCI DSS: sensitive authentication data, never written).
WITHHELD: dict[str, str] = {
    "14": "expiry date",
    "35": "track 2 data",
    "36": "track 3 data",
    "45": "track 1 data",
    "52": "PIN block",
    "55": "ICC data",
}

# Fields whose value never appears in a message the bench writes (journal, validation problems).
CARD_DATA = frozenset({"2", *WITHHELD})

NETWORK_CODES: dict[str, str] = {"001": "sign_on", "002": "sign_off", "301": "echo"}

_MTI = re.compile(r"^0[1-9][0-9][0-9]$")


def base_mti(mti: str) -> str:
    """The first-send MTI of a repeat: 0101 -> 0100, 0421 -> 0420; others unchanged."""
    return mti[:3] + "0" if len(mti) == 4 and mti.endswith("1") else mti


def is_repeat(mti: str) -> bool:
    return len(mti) == 4 and mti.endswith("1")


def kind_for(mti: str) -> MessageKind | None:
    """The kind of a request MTI (repeats included), or None when the acquirer does not serve it."""
    return KINDS.get(base_mti(mti))


def unsupported_request_answer_mti(mti: str) -> str | None:
    """For a well-formed request or advice MTI the acquirer does not serve (0300, 0600...), its answer MTI.

    None for anything that is not a request (garbage, answers such as 0110): those are not answered.
    """
    if not _MTI.match(mti) or mti[2] not in "02":
        return None
    return mti[:2] + str(int(mti[2]) + 1) + "0"


# --- field formats --------------------------------------------------------------------------------------


def _digits(low: int, high: int) -> Callable[[str], str | None]:
    size = f"{low}" if low == high else f"{low} to {high}"

    def check(value: str) -> str | None:
        ok = value.isascii() and value.isdigit() and low <= len(value) <= high
        return None if ok else f"expected {size} digits"
    return check


def _date_time(value: str) -> str | None:
    """DE7 MMDDhhmmss."""
    if _digits(10, 10)(value):
        return "expected MMDDhhmmss"
    month, day, hour, minute, second = (int(value[i:i + 2]) for i in range(0, 10, 2))
    ok = 1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 60
    return None if ok else "expected MMDDhhmmss"


def _expiry(value: str) -> str | None:
    """DE14 YYMM."""
    return "expected YYMM" if _digits(4, 4)(value) or not 1 <= int(value[2:]) <= 12 else None


def _printable(value: str) -> str | None:
    return None if value.isascii() and value.isprintable() else "expected printable ASCII"


FIELD_CHECKS: dict[str, Callable[[str], str | None]] = {
    "2": _digits(1, 19),  # a short PAN is a card problem (14), not a format error
    "3": _digits(6, 6),
    "4": _digits(12, 12),
    "7": _date_time,
    "11": _digits(6, 6),
    "12": _digits(6, 6),
    "13": _digits(4, 4),
    "14": _expiry,
    "22": _digits(3, 3),
    "32": _digits(1, 11),
    "33": _digits(1, 11),
    "41": _printable,
    "42": _printable,
    "49": _digits(3, 3),
    "70": _digits(3, 3),
    "90": _digits(42, 42),
}


def problems(fields: Mapping[str, str], kind: MessageKind) -> list[str]:
    """Every format problem of a decoded request, each naming the field ("DE4: expected 12 digits...")."""
    found = [f"DE{number}: mandatory for {kind.mti}, missing" for number in kind.mandatory if number not in fields]
    for number, check in FIELD_CHECKS.items():
        if number in fields:
            problem = check(fields[number])
            if problem:
                shown = "" if number in CARD_DATA else f", received {fields[number]!r}"
                found.append(f"DE{number}: {problem}{shown}")
    return found


# --- original data elements (DE90) --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OriginalData:
    """DE90, what a completion or a reversal points back at: the original's MTI, STAN, DE7 and institutions."""

    mti: str
    stan: str
    transmitted: str  # DE7 of the original, MMDDhhmmss
    acquirer_id: str = ""  # DE32 of the original
    forwarding_id: str = ""  # DE33 of the original

    @property
    def elements(self) -> str:
        """The 42-digit DE90 value."""
        return f"{self.mti}{self.stan}{self.transmitted}{self.acquirer_id:0>11}{self.forwarding_id:0>11}"

    @property
    def key(self) -> str:
        """The elements with a repeat's MTI folded onto its first send, so a 0101 can be reversed as 0100."""
        return base_mti(self.mti) + self.elements[4:]

    @classmethod
    def parse(cls, elements: str) -> "OriginalData":
        if not (len(elements) == 42 and elements.isascii() and elements.isdigit()):
            raise ValueError(f"DE90: expected 42 digits, received {elements!r}")
        return cls(elements[:4], elements[4:10], elements[10:20], elements[20:31], elements[31:42])

    @classmethod
    def of_request(cls, fields: Mapping[str, str]) -> "OriginalData":
        """The DE90 that will reference this request later."""
        return cls(fields["t"], fields["11"], fields["7"], fields.get("32", ""), fields.get("33", ""))
