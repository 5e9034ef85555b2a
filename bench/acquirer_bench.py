"""`make bench`: acquirer authorisations per second over TCP, next to the same server answering a fixed message.

Both runs use the same client loop (one connection, one request in flight, pre-encoded 0100s whose STAN is
patched in place), so the ratio is what the acquirer's own work (decode, rules, hold, journal, encode) costs
against pure transport on this machine. A short bounded run; nothing is asserted.
"""
from __future__ import annotations

import argparse
import socket
from dataclasses import dataclass

from simulators import clock
from simulators.acquirer import AcquirerCore, AcquirerServer, Reply, codec, sandbox_pan
from simulators.journal import JournalEntry

_REQUEST = {"t": "0100", "2": sandbox_pan("1234"), "3": "000000", "4": "000000012000", "7": "0302103000",
            "11": "000000", "22": "051", "41": "BENCH001", "42": "SIMPHONIE BENCH", "49": "978"}


class _DiscardJournal:
    """Entries are built (their cost is measured) but not kept, so a long run does not grow memory."""

    def __init__(self) -> None:
        self.count = 0

    def record(self, entry: JournalEntry) -> None:
        self.count += 1


class FixedAnswer:
    """The baseline handler: the same server, answering every message with one pre-encoded 0110."""

    def __init__(self, spec, answer: bytes) -> None:
        self.spec, self.answer = spec, answer

    def handle(self, message: bytes, *, peer: str = "") -> Reply:
        return Reply((self.answer,))

    def record_fault(self, fault: str, detail: str, *, peer: str = "") -> None:
        pass


@dataclass(frozen=True)
class Measurement:
    messages: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


class _StanPatcher:
    """A pre-encoded request whose 6 STAN digits are rewritten in place (ASCII fields keep their offsets)."""

    def __init__(self, spec) -> None:
        first = codec.encode({**_REQUEST, "11": "000001"}, spec)
        second = codec.encode({**_REQUEST, "11": "000002"}, spec)
        last = next(i for i, (a, b) in enumerate(zip(first, second)) if a != b)
        self.offset = last - 5
        self.message = bytearray(first)

    def request(self, stan: int) -> bytes:
        self.message[self.offset:self.offset + 6] = b"%06d" % stan
        return bytes(self.message)


def measure(handler, seconds: float, header: str = "2b", warmup: int = 200) -> Measurement:
    patcher = _StanPatcher(handler.spec)
    with AcquirerServer(handler, "127.0.0.1", 0, header=header) as server:
        framing = server.framing
        deframer = framing.deframer()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def exchange(stan: int) -> None:
                connection.sendall(framing.frame(patcher.request(stan)))
                while not deframer.feed(connection.recv(65536)):
                    pass

            for stan in range(1, warmup + 1):
                exchange(stan)
            stan, started = warmup, clock.monotonic()
            deadline = started + seconds
            while clock.monotonic() < deadline:
                stan += 1
                exchange(stan)
            return Measurement(stan - warmup, clock.monotonic() - started)


def core_microseconds(count: int = 2_000) -> float:
    """The acquirer core alone, in memory: µs per authorisation (decode, rules, hold, journal, encode)."""
    core = AcquirerCore(journal=_DiscardJournal())
    patcher = _StanPatcher(core.spec)
    messages = [patcher.request(stan) for stan in range(1, count + 1)]
    started = clock.monotonic()
    for message in messages:
        core.handle(message)
    return (clock.monotonic() - started) / count * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="acquirer_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of each measured run")
    parser.add_argument("--header", choices=("2b", "4a", "none"), default="2b")
    args = parser.parse_args(argv if argv is not None else [])

    core = AcquirerCore(journal=_DiscardJournal())
    answer = core.feed(codec.encode({**_REQUEST, "11": "999999"}, core.spec))[0]
    acquirer = measure(core, args.seconds, args.header)
    baseline = measure(FixedAnswer(core.spec, answer), args.seconds, args.header)
    ratio = acquirer.per_second / baseline.per_second if baseline.per_second else 0.0
    booked = core.transactions("default")
    approved = sum(1 for t in booked if t.response_code == "00")

    print(f"Acquirer ISO 8583 over TCP: 127.0.0.1, 1 connection, one request in flight, header {args.header}, "
          f"{args.seconds:g} s per run")
    print(f"  {'run':<34} {'messages':>9} {'per second':>11}")
    print(f"  {'acquirer authorisations (0100)':<34} {acquirer.messages:>9} {acquirer.per_second:>11.0f}")
    print(f"  {'baseline: fixed pre-encoded 0110':<34} {baseline.messages:>9} {baseline.per_second:>11.0f}")
    print(f"  ratio acquirer/baseline: {ratio:.2f}   ({approved} of {len(booked)} authorisations approved)")
    print(f"  acquirer core in memory: {core_microseconds():.0f} µs per authorisation")


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
