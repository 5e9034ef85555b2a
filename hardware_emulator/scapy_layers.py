"""scapy layers for terminal traffic, so a session can be written as pcap, dissected back, and fuzzed.

- `ConcertControl` (one byte: ENQ, ACK, NAK, EOT...), `ConcertRequest` (37-byte frame),
  `ConcertShortAnswer` (28), `ConcertLongAnswer` (83): STX, the fields of §2.2, ETX, LRC (computed when None).
- `CaisseApMessage`: a list of `CaisseApTlv` (tag, 3 ASCII length digits computed when None, value).
- `SerialUnit`: one unit on a serial line (sender byte + Concert unit), the payload of DLT_USER0 (147).
  Over TCP, `CaisseApMessage` is bound to port 8888; `bind_tcp_port(port)` adds another.
Importing this module registers the layers with scapy (heavy: import it only where captures are needed).
"""
from __future__ import annotations

from typing import Any

from scapy.config import conf
from scapy.fields import ByteEnumField, Field, PacketListField, StrFixedLenField, StrLenField, XByteField
from scapy.layers.inet import TCP
from scapy.packet import Packet, Raw, bind_layers
from scapy.volatile import RandNum

from hardware_emulator.concert.codec import lrc

DLT_USER0 = 147
CONTROL = {0x02: "STX", 0x03: "ETX", 0x04: "EOT", 0x05: "ENQ", 0x06: "ACK", 0x15: "NAK"}
SENDERS = {0: "ecr", 1: "terminal"}


class _ConcertFrame(Packet):
    """STX + fields + ETX + LRC; LRC computed over everything after STX when left None."""

    def post_build(self, packet: bytes, payload: bytes) -> bytes:
        if self.lrc is None:
            packet = packet[:-1] + bytes([lrc(packet[1:-1])])
        return packet + payload

    def lrc_ok(self) -> bool:
        data = bytes(self)
        return lrc(data[1:-1]) == data[-1]


def _frame(*fields: Field) -> list[Field]:
    return [XByteField("stx", 0x02), *fields, XByteField("etx", 0x03), XByteField("lrc", None)]


class ConcertControl(Packet):
    name = "Concert control"
    fields_desc = [ByteEnumField("code", 0x05, CONTROL)]


class ConcertRequest(_ConcertFrame):
    name = "Concert E+ request"
    fields_desc = _frame(
        StrFixedLenField("pos", b"01", 2), StrFixedLenField("amount", b"00001250", 8),
        StrFixedLenField("answer_flag", b"1", 1), StrFixedLenField("mode", b"1", 1),
        StrFixedLenField("transaction_type", b"0", 1), StrFixedLenField("currency", b"978", 3),
        StrFixedLenField("private", b" " * 10, 10), StrFixedLenField("delay", b"A010", 4),
        StrFixedLenField("authorisation", b"B010", 4),
    )


_ANSWER_HEAD = (StrFixedLenField("pos", b"01", 2), StrFixedLenField("status", b"0", 1),
                StrFixedLenField("amount", b"00001250", 8), StrFixedLenField("mode", b"1", 1))
_ANSWER_TAIL = (StrFixedLenField("currency", b"978", 3), StrFixedLenField("private", b"0" * 10, 10))


class ConcertShortAnswer(_ConcertFrame):
    name = "Concert E+ answer (28 bytes)"
    fields_desc = _frame(*_ANSWER_HEAD, *_ANSWER_TAIL)


class ConcertLongAnswer(_ConcertFrame):
    name = "Concert E+ answer (83 bytes)"
    fields_desc = _frame(*_ANSWER_HEAD, StrFixedLenField("report", b" " * 55, 55), *_ANSWER_TAIL)


_BY_LENGTH = {1: ConcertControl, 37: ConcertRequest, 28: ConcertShortAnswer, 83: ConcertLongAnswer}


def concert_class(data: bytes) -> type[Packet]:
    """The layer that dissects one Concert unit (Raw for noise or odd lengths)."""
    cls = _BY_LENGTH.get(len(data), Raw)
    if cls is ConcertControl:
        return cls if data[0] in CONTROL else Raw
    return cls if cls is Raw or data[:1] == b"\x02" else Raw


class AsciiLengthField(Field[Any, bytes]):
    """Three ASCII decimal digits giving the length of another field; computed when None."""

    __slots__ = ["length_of"]

    def __init__(self, name: str, default: int | None, length_of: str) -> None:
        super().__init__(name, default, fmt="3s")
        self.length_of = length_of

    def i2m(self, pkt: Packet | None, x: Any) -> bytes:
        if isinstance(x, (bytes, bytearray)):
            return bytes(x).ljust(3, b"0")[:3]  # malformed on purpose (fuzzing)
        if x is None:
            x = len(getattr(pkt, self.length_of) or b"") if pkt is not None else 0
        return f"{int(x) % 1000:03d}".encode()

    def m2i(self, pkt: Packet | None, x: bytes) -> Any:
        return int(x) if x.isdigit() else x

    def randval(self) -> RandNum:
        """Fuzz with well-formed digits that rarely match the value: length mismatches, not just noise."""
        return RandNum(0, 999)

    def addfield(self, pkt: Packet, s: bytes, val: Any) -> bytes:
        return s + self.i2m(pkt, val)

    def getfield(self, pkt: Packet, s: bytes) -> tuple[bytes, Any]:
        return s[3:], self.m2i(pkt, s[:3])


class CaisseApTlv(Packet):
    name = "Caisse-AP TLV"
    fields_desc = [
        StrFixedLenField("tag", b"CZ", 2),
        AsciiLengthField("length", None, length_of="value"),
        StrLenField("value", b"", length_from=lambda pkt: pkt.length if isinstance(pkt.length, int) else 0),
    ]

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        return b"", s


class CaisseApMessage(Packet):
    name = "Caisse-AP message"
    fields_desc = [PacketListField("tlvs", [], CaisseApTlv)]

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]]) -> CaisseApMessage:
        return cls(tlvs=[CaisseApTlv(tag=tag.encode(), value=value.encode()) for tag, value in pairs])

    def pairs(self) -> list[tuple[str, str]]:
        return [(t.tag.decode("latin-1"), t.value.decode("latin-1")) for t in self.tlvs]


class SerialUnit(Packet):
    """One unit on a serial line, as stored under DLT_USER0: who sent it (one byte), then the Concert unit.
    (Not called `direction`: scapy packets already have a `direction` attribute.)"""

    name = "Serial unit"
    fields_desc = [ByteEnumField("sender", 0, SENDERS)]

    def guess_payload_class(self, payload: bytes) -> type[Packet]:
        return concert_class(payload)


def bind_tcp_port(port: int) -> None:
    """Dissect TCP payloads on `port` as Caisse-AP messages."""
    bind_layers(TCP, CaisseApMessage, dport=port)
    bind_layers(TCP, CaisseApMessage, sport=port)


conf.l2types.register(DLT_USER0, SerialUnit)
bind_tcp_port(8888)
