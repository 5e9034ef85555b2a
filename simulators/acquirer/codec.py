"""ISO 8583 bytes <-> field dicts with pyiso8583, and the masked text the journal keeps of a message.

Two wire variants: `ascii` (pyiso8583's `default_ascii`: ASCII fields, hex-ASCII bitmaps) and `binary`
(`default`: ASCII fields, 8-byte binary bitmaps). pyiso8583 computes the bitmaps when encoding.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import iso8583
from iso8583.specs import default, default_ascii

from simulators.acquirer.profile import WITHHELD
from simulators.masking import mask_pan, mask_text

Spec = Mapping[str, Mapping[str, Any]]

SPECS: dict[str, Spec] = {"ascii": default_ascii, "binary": default}

_LONG_DIGIT_RUN = re.compile(r"\d{13,}")


class MessageFormatError(ValueError):
    """The bytes are not an ISO 8583 message of the profile. `partial` holds what could be decoded."""

    def __init__(self, reason: str, partial: Mapping[str, str]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.partial = dict(partial)


def spec_named(name: str) -> Spec:
    try:
        return SPECS[name]
    except KeyError:
        raise ValueError(f"unknown ISO 8583 spec {name!r}; valid: {', '.join(SPECS)}") from None


def decode(data: bytes, spec: Spec) -> dict[str, str]:
    """Decode one message; any failure becomes a MessageFormatError (never another exception)."""
    try:
        fields, _ = iso8583.decode(bytes(data), spec)
    except iso8583.DecodeError as error:
        raise MessageFormatError(str(error), _usable(error.doc_dec)) from None
    except Exception as error:  # pyiso8583 raises KeyError for fields the spec lacks (e.g. 129+ bitmaps)
        raise MessageFormatError(f"undecodable message: {type(error).__name__} {error}", _mti_only(data)) from None
    return fields


def encode(fields: Mapping[str, str], spec: Spec) -> bytes:
    """Encode a message; pyiso8583 fills the bitmap(s). Raises iso8583.EncodeError on bad values."""
    message, _ = iso8583.encode(dict(fields), spec)
    return bytes(message)


def _usable(partial: Mapping[str, str]) -> dict[str, str]:
    """Partial decodes leave an empty string in the failing field; keep only complete values."""
    return {key: value for key, value in partial.items() if value}


def _mti_only(data: bytes) -> dict[str, str]:
    head = bytes(data[:4])
    return {"t": head.decode("ascii")} if len(head) == 4 and head.isdigit() else {}


# --- journal text ---------------------------------------------------------------------------------------


def masked_pan_of(value: str) -> str:
    """6/4 masking for a real PAN; anything shorter keeps only its last 4 digits."""
    if 13 <= len(value) <= 19:
        return mask_pan(value)
    return "*" * max(len(value) - 4, 0) + value[-4:] if len(value) > 4 else "*" * len(value)


def _field_order(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (-1 if key == "t" else 0, key)


def render(fields: Mapping[str, str]) -> str:
    """One `DEn=value` line per field, card data masked or withheld: what the journal keeps of a message."""
    lines = []
    for key in sorted(fields, key=_field_order):
        value = fields[key]
        if key == "2":
            value = masked_pan_of(value)
        elif key in WITHHELD:
            value = f"[{WITHHELD[key]} withheld]"
        name = "MTI" if key == "t" else "bitmap" if key in ("p", "1") else f"DE{key}"
        lines.append(f"{name}={value}")
    return mask_text("\n".join(lines))


def render_raw(data: bytes, limit: int = 512) -> str:
    """An undecodable message as escaped text; any run of 13+ digits is withheld (it may hold a PAN)."""
    text = _LONG_DIGIT_RUN.sub(lambda m: f"[{len(m.group(0))} digits withheld]", bytes(data[:limit]).decode("latin-1"))
    text = "".join(ch if ch.isascii() and ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    suffix = f"... ({len(data)} bytes)" if len(data) > limit else ""
    return f"raw: {text}{suffix}"
