"""Caisse-AP V3 TLV: TAG (2 letters) + LEN (3 decimal digits) + VALUE, ASCII, CZ first (domain notes §2.3)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

_TAG = re.compile(rb"[A-Z0-9]{2}")
_HEAD_PREFIX = re.compile(rb"[A-Z0-9]{0,2}|[A-Z0-9]{2}[0-9]{1,2}")  # the start of a TLV header


class TlvError(ValueError):
    """A message the terminal answers with AE=01 AF=09 (message format error)."""


@dataclass(frozen=True, slots=True)
class TagRule:
    min_len: int
    max_len: int
    digits: bool = False
    values: tuple[str, ...] = ()


# what a cash register may send (S14, S15, S17)
REQUEST_TAGS: dict[str, TagRule] = {
    "CZ": TagRule(4, 4, digits=True),
    "CJ": TagRule(12, 12),
    "CA": TagRule(2, 2, digits=True),
    "CB": TagRule(2, 12, digits=True),
    "CD": TagRule(1, 1),
    "CE": TagRule(3, 3, digits=True),
    "BA": TagRule(1, 1, values=("0", "1")),
    "BF": TagRule(1, 1, values=("0", "1")),
    "CC": TagRule(3, 3),
    "CF": TagRule(1, 99),
    "CK": TagRule(3, 3),
    "BH": TagRule(1, 20),
    "BI": TagRule(1, 256),
}
MANDATORY = ("CZ", "CJ", "CA", "CB", "CD", "CE")


def encode(tags: Iterable[tuple[str, str]]) -> bytes:
    """Encode (tag, value) pairs in the given order; values are ASCII, 1 to 999 characters."""
    parts = []
    for tag, value in tags:
        if len(tag) != 2 or not 0 < len(value) <= 999:
            raise TlvError(f"cannot encode tag {tag!r} with a {len(value)}-character value")
        parts.append(f"{tag}{len(value):03d}{value}")
    return "".join(parts).encode("ascii")


def split(data: bytes) -> tuple[list[tuple[str, str]], bool]:
    """Parse as many whole TLVs as `data` holds: (pairs, complete). `complete` is False when the last one is
    cut short (more bytes may come); TlvError when the bytes cannot be a TLV stream at all."""
    if not data.isascii():
        bad = next(index for index, byte in enumerate(data) if byte > 0x7F)
        raise TlvError(f"offset {bad}: non-ASCII byte {data[bad]:#04x}")
    pairs: list[tuple[str, str]] = []
    offset = 0
    while offset < len(data):
        head = data[offset:offset + 5]
        if len(head) < 5:
            if not _HEAD_PREFIX.fullmatch(head):
                raise TlvError(f"offset {offset}: {head!r} cannot start a TLV (tag of 2 letters/digits, "
                               "then 3 length digits)")
            return pairs, False
        if not _TAG.fullmatch(head[:2]) or not head[2:5].isdigit():
            raise TlvError(f"offset {offset}: expected a tag of 2 letters/digits and 3 length digits, "
                           f"received {head!r}")
        length = int(head[2:5])
        if length == 0:
            raise TlvError(f"offset {offset}: tag {head[:2].decode()} has length 000")
        value = data[offset + 5:offset + 5 + length]
        if len(value) < length:
            return pairs, False
        pairs.append((head[:2].decode(), value.decode("ascii")))
        offset += 5 + length
    return pairs, True


def validate_request(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The request as a dict, or TlvError naming the first problem (order, unknown tag, length, mandatory)."""
    if not pairs or pairs[0][0] != "CZ":
        raise TlvError("CZ (protocol version) must be the first tag")
    tags: dict[str, str] = {}
    for tag, value in pairs:
        rule = REQUEST_TAGS.get(tag)
        if rule is None:
            raise TlvError(f"unknown tag {tag}")
        if tag in tags:
            raise TlvError(f"tag {tag} appears twice")
        if not rule.min_len <= len(value) <= rule.max_len:
            bounds = rule.min_len if rule.min_len == rule.max_len else f"{rule.min_len}-{rule.max_len}"
            raise TlvError(f"tag {tag}: expected length {bounds}, received {len(value)} ({value!r})")
        if rule.digits and not value.isdigit() or rule.values and value not in rule.values:
            expected = "digits" if rule.digits else " or ".join(rule.values)
            raise TlvError(f"tag {tag}: expected {expected}, received {value!r}")
        tags[tag] = value
    missing = [tag for tag in MANDATORY if tag not in tags]
    if missing:
        raise TlvError(f"mandatory tag(s) missing: {', '.join(missing)}")
    return tags
