"""Message boundaries on a TCP stream: a length header before each ISO 8583 message, or none at all.

`2b`: 2-byte binary big-endian length (the default); `4a`: 4 ASCII digits; `none`: no header, the message
ends where its ISO 8583 parse ends (bitmap and field lengths delimit it). Deframers are sans-IO: `feed(bytes)`
returns the complete messages; a header that cannot be right raises FramingError (the stream cannot be
resynchronised, so the transport closes the connection).
"""
from __future__ import annotations

import re
from typing import Callable, Protocol

import iso8583

from simulators.acquirer.codec import Spec

DEFAULT_MAX_MESSAGE = 8192
HEADERS = ("2b", "4a", "none")

# pyiso8583's wording when a field runs past the end of the buffer: more bytes may complete it.
_SHORT = re.compile(r"^Field (data|length) is \d+ \w+( wide)?, expecting \d+$")


class FramingError(ValueError):
    pass


class Deframer(Protocol):
    pending: int  # bytes received but not yet part of a complete message

    def feed(self, data: bytes) -> list[bytes]: ...


class Framing(Protocol):
    name: str

    def frame(self, message: bytes) -> bytes: ...
    def deframer(self) -> Deframer: ...


class LengthHeader:
    """A length prefix of `width` bytes, binary big-endian or ASCII digits."""

    def __init__(self, name: str, width: int, ascii_digits: bool, max_message: int = DEFAULT_MAX_MESSAGE) -> None:
        self.name, self.width, self.ascii_digits = name, width, ascii_digits
        self.max_message = min(max_message, 10 ** width - 1 if ascii_digits else 256 ** width - 1)

    def frame(self, message: bytes) -> bytes:
        if len(message) > self.max_message:
            raise FramingError(f"{self.name} header: message of {len(message)} bytes exceeds {self.max_message}")
        size = len(message)
        header = f"{size:0{self.width}d}".encode("ascii") if self.ascii_digits else size.to_bytes(self.width, "big")
        return header + message

    def length(self, header: bytes) -> int:
        if self.ascii_digits:
            if not (header.isascii() and header.isdigit()):
                raise FramingError(f"{self.name} header: expected {self.width} ASCII digits, received {header!r}")
            size = int(header)
        else:
            size = int.from_bytes(header, "big")
        if not 0 < size <= self.max_message:
            raise FramingError(f"{self.name} header: expected a length of 1 to {self.max_message}, received {size}")
        return size

    def deframer(self) -> "_Deframer":
        return _Deframer(self._message_end, header_width=self.width)

    def _message_end(self, buffer: bytearray) -> int | None:
        if len(buffer) < self.width:
            return None
        end = self.width + self.length(bytes(buffer[:self.width]))
        return end if len(buffer) >= end else None


class NoHeader:
    """Messages back to back: each ends where pyiso8583 finishes parsing it."""

    name = "none"

    def __init__(self, spec: Spec, max_message: int = DEFAULT_MAX_MESSAGE) -> None:
        self.spec, self.max_message = spec, max_message

    def frame(self, message: bytes) -> bytes:
        return message

    def deframer(self) -> "_Deframer":
        return _Deframer(self._message_end, max_pending=self.max_message)

    def _message_end(self, buffer: bytearray) -> int | None:
        """Where the first message ends; the whole buffer when it is malformed (the core answers it)."""
        try:
            iso8583.decode(bytes(buffer), self.spec)
        except iso8583.DecodeError as error:
            if error.msg == "Extra data after last field":
                return error.pos
            return None if _SHORT.match(error.msg) else len(buffer)
        except Exception:  # noqa: BLE001 - anything else pyiso8583 trips on is a malformed message
            return len(buffer)
        return len(buffer)


class _Deframer:
    """Bytes in, complete messages out; `message_end` says where the first frame ends (None: not complete yet)."""

    def __init__(self, message_end: Callable[[bytearray], int | None], *, header_width: int = 0,
                 max_pending: int | None = None) -> None:
        self.message_end, self.header_width, self.max_pending = message_end, header_width, max_pending
        self.buffer = bytearray()

    @property
    def pending(self) -> int:
        return len(self.buffer)

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        messages = []
        while self.buffer:
            end = self.message_end(self.buffer)
            if end is None:
                if self.max_pending is not None and len(self.buffer) > self.max_pending:
                    raise FramingError(f"no header: {len(self.buffer)} bytes without a complete message")
                break
            messages.append(bytes(self.buffer[self.header_width:end]))
            del self.buffer[:end]
        return messages


FRAMINGS: dict[str, Callable[[Spec, int], Framing]] = {
    "2b": lambda spec, max_message: LengthHeader("2b", 2, False, max_message),
    "4a": lambda spec, max_message: LengthHeader("4a", 4, True, max_message),
    "none": lambda spec, max_message: NoHeader(spec, max_message),
}


def make_framing(header: str, spec: Spec, max_message: int = DEFAULT_MAX_MESSAGE) -> Framing:
    try:
        return FRAMINGS[header](spec, max_message)
    except KeyError:
        raise ValueError(f"unknown length header {header!r}; valid: {', '.join(FRAMINGS)}") from None
