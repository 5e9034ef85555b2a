"""Every byte a terminal exchanges, masked, as journal evidence: one entry per exchange, every unit inside.

A unit is what crossed the line in one piece (a control byte, a frame, a TLV message, noise). The entry's
`request` is what the cash register sent and `response` what the terminal sent, as hex + readable ASCII;
`meta["frames"]` keeps each unit with its direction and time offset, so captures (pcap) can be rebuilt from it.
Hex is always space separated: an unbroken hex string of ASCII digits could itself look like a card number.
"""
from __future__ import annotations

import threading
from collections import deque
from typing import Any, Callable

from simulators import clock as bench_clock
from simulators.journal import JournalEntry, JournalSink
from simulators.masking import mask_text

CONTROL_NAMES = {0x02: "STX", 0x03: "ETX", 0x04: "EOT", 0x05: "ENQ", 0x06: "ACK", 0x15: "NAK"}
IN = "ecr->terminal"
OUT = "terminal->ecr"


def masked(data: bytes) -> bytes:
    """The same bytes with every Luhn-valid card number masked 6/4 (length preserved)."""
    return mask_text(data.decode("latin-1")).encode("latin-1")


def readable(data: bytes) -> str:
    """ASCII with control characters named: `<STX>0100001250...<ETX><01>`."""
    parts = []
    for byte in data:
        if byte in CONTROL_NAMES:
            parts.append(f"<{CONTROL_NAMES[byte]}>")
        elif 0x20 <= byte < 0x7F:
            parts.append(chr(byte))
        else:
            parts.append(f"<{byte:02x}>")
    return "".join(parts)


def dump(data: bytes) -> str:
    """`hex | ascii` of already masked bytes (hex is space separated so it never forms a digit run)."""
    return f"{data.hex(' ')} | {readable(data)}"


class WireLog:
    """Collects the units of one exchange and writes one masked JournalEntry when the exchange ends."""

    def __init__(self, sink: JournalSink, *, session: str, service: str,
                 clock: Callable[[], float] = bench_clock.monotonic) -> None:
        self._sink = sink
        self._session = session
        self._service = service
        self._clock = clock
        self._units: list[dict[str, Any]] = []
        self._started: float | None = None
        self._at = ""

    @property
    def active(self) -> bool:
        return bool(self._units)

    def unit(self, direction: str, data: bytes, kind: str, at: float | None = None) -> None:
        """Record one unit; `at` is when it crosses the line (a scheduled write), default now."""
        if not data:
            return
        now = self._clock() if at is None else at
        if self._started is None:
            self._started = now
            self._at = bench_clock.stamp("milliseconds")
        safe = masked(data)
        self._units.append({"dir": direction, "t_ms": round((now - self._started) * 1000, 3), "kind": kind,
                            "hex": safe.hex(" "), "ascii": readable(safe)})

    def close(self, outcome: str, **meta: Any) -> JournalEntry | None:
        """Write the exchange (nothing if no byte crossed the line) and start a new one."""
        if not self._units:
            return None
        started = self._started or self._clock()
        units, self._units, self._started = self._units, [], None

        def side(direction: str) -> str:
            return "\n".join(f"{u['kind']}: {dump(bytes.fromhex(u['hex']))}" for u in units if u["dir"] == direction)

        entry = JournalEntry(
            session=self._session, actor="terminal", service=self._service, at=self._at,
            duration_ms=round((self._clock() - started) * 1000, 3), request=side(IN), response=side(OUT),
            outcome=outcome, meta={**{k: v for k, v in meta.items() if v is not None}, "frames": units},
        )
        self._sink.record(entry)
        return entry


class RingJournal:
    """Thread-safe in-memory sink keeping the last `maxlen` entries (what the control API reads)."""

    def __init__(self, maxlen: int = 1000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self._total = 0

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            self._entries.append(entry)
            self._total += 1

    def entries(self, since: int = 0) -> tuple[int, list[JournalEntry]]:
        """Entries numbered from 0 since the start; returns the next index and the entries still kept."""
        with self._lock:
            first_kept = self._total - len(self._entries)
            start = max(since, first_kept) - first_kept
            return self._total, list(self._entries)[start:]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class TeeJournal:
    """Write each entry to several sinks (the terminal's ring and the bench's store)."""

    def __init__(self, *sinks: JournalSink) -> None:
        self._sinks = sinks

    def record(self, entry: JournalEntry) -> None:
        for sink in self._sinks:
            sink.record(entry)
