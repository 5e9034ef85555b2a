"""Concert E+ byte layouts (domain notes §2.2, from pyTeliumManager and pypostelium).

Frame: STX | body | ETX | LRC, LRC = XOR of body and ETX. Request body 34 chars; answer body 25 chars
(28-byte frame) or 80 chars with the 55-char report (83-byte frame).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import xor

STX, ETX, EOT, ENQ, ACK, NAK = b"\x02", b"\x03", b"\x04", b"\x05", b"\x06", b"\x15"

REQUEST_BODY = 34
SHORT_ANSWER_BODY, LONG_ANSWER_BODY = 25, 80
REPORT = 55
ANSWER_LONG, ANSWER_SHORT = "1", "0"  # answer flag: with or without the 55-char report
AT_END, IMMEDIATE = "A010", "A011"  # delay field
AUTH_NORMAL, AUTH_FORCED = "B010", "B011"
ACCEPTED, REFUSED, NOT_VERIFIED = "0", "7", "9"

# transaction type (offset 12) -> engine action; the consent code is added by each terminal's options
TRANSACTION_TYPES = {"0": "debit", "1": "credit", "2": "refund", "4": "auto"}


class FrameError(ValueError):
    """A frame the receiver must NAK: bad LRC, bad length, or a field that cannot be read."""


def lrc(data: bytes) -> int:
    return reduce(xor, data, 0)


def frame(body: str | bytes) -> bytes:
    raw = body.encode("ascii") if isinstance(body, str) else body
    return STX + raw + ETX + bytes([lrc(raw + ETX)])


def unframe(data: bytes) -> str:
    """The ASCII body of a complete frame, or FrameError."""
    if len(data) < 3 or data[:1] != STX or data[-2:-1] != ETX:
        raise FrameError(f"not a STX…ETX LRC frame ({len(data)} bytes)")
    if lrc(data[1:-1]) != data[-1]:
        raise FrameError(f"bad LRC: expected {lrc(data[1:-1]):02x}, received {data[-1]:02x}")
    try:
        return data[1:-2].decode("ascii")
    except UnicodeDecodeError:
        raise FrameError("body is not ASCII") from None


@dataclass(frozen=True, slots=True)
class ConcertRequest:
    pos: str
    amount_cents: int
    answer_flag: str
    mode: str  # payment means: "1" card, "C" cheque...
    transaction_type: str
    currency: str
    private: str
    delay: str
    authorisation: str

    @classmethod
    def parse(cls, body: str) -> ConcertRequest:
        if len(body) != REQUEST_BODY:
            raise FrameError(f"request body: expected {REQUEST_BODY} characters, received {len(body)}")
        request = cls(body[0:2], 0, body[10], body[11], body[12], body[13:16], body[16:26], body[26:30],
                      body[30:34])
        checks = (
            (request.pos.isdigit(), "POS number (offset 0) must be 2 digits"),
            (body[2:10].isdigit(), "amount (offset 2) must be 8 digits"),
            (request.answer_flag in (ANSWER_LONG, ANSWER_SHORT), "answer flag (offset 10) must be 0 or 1"),
            (request.currency.isdigit(), "currency (offset 13) must be 3 digits"),
            (request.delay in (AT_END, IMMEDIATE), "delay (offset 26) must be A010 or A011"),
            (request.authorisation in (AUTH_NORMAL, AUTH_FORCED), "authorisation (offset 30) must be B010 or B011"),
        )
        for ok, message in checks:
            if not ok:
                raise FrameError(f"request body: {message}, received {body!r}")
        return cls(request.pos, int(body[2:10]), request.answer_flag, request.mode, request.transaction_type,
                   request.currency, request.private, request.delay, request.authorisation)

    def encode(self) -> str:
        return (f"{self.pos}{self.amount_cents:08d}{self.answer_flag}{self.mode}{self.transaction_type}"
                f"{self.currency}{self.private:<10.10}{self.delay}{self.authorisation}")


@dataclass(frozen=True, slots=True)
class ConcertAnswer:
    pos: str
    status: str
    amount_cents: int
    mode: str
    currency: str
    private: str
    report: str | None = None  # 55 chars in the long answer, None in the short one

    def encode(self) -> str:
        report = "" if self.report is None else f"{self.report:<55.55}"
        return f"{self.pos}{self.status}{self.amount_cents:08d}{self.mode}{report}{self.currency}{self.private:<10.10}"

    @classmethod
    def parse(cls, body: str) -> ConcertAnswer:
        if len(body) not in (SHORT_ANSWER_BODY, LONG_ANSWER_BODY) or not body[3:11].isdigit():
            raise FrameError(f"answer body: expected {SHORT_ANSWER_BODY} or {LONG_ANSWER_BODY} characters with "
                             f"an 8-digit amount at offset 3, received {body!r}")
        report = body[12:67] if len(body) == LONG_ANSWER_BODY else None
        tail = body[67:] if report is not None else body[12:]
        return cls(body[0:2], body[2], int(body[3:11]), body[11], tail[0:3], tail[3:13], report)


@dataclass(frozen=True, slots=True)
class Report:
    """The 55-char report of the long answer. Layout inferred (not public): expiry YYMM (4), masked PAN (19,
    left-justified), ISO response code (2), authorisation number (6), consent token (24).

    The expiry comes first on purpose: the answer's POS, status, amount and means are 12 digits, and a card
    number's first 6 digits right after them would make an 18-digit run that a PAN-leak scanner may take for a
    card number; with the expiry between, the run is 22 digits, which no scanner reads as a PAN."""

    masked_pan: str = ""
    expiry: str = ""
    response_code: str = "  "
    authorisation: str = ""
    token: str = ""

    def encode(self) -> str:
        return (f"{self.expiry:<4.4}{self.masked_pan:<19.19}{self.response_code:<2.2}{self.authorisation:<6.6}"
                f"{self.token:<24.24}")

    @classmethod
    def parse(cls, report: str) -> Report:
        return cls(report[4:23].strip(), report[0:4].strip(), report[23:25], report[25:31].strip(),
                   report[31:55].strip())
