"""Concert E+ transactions per second over a pty, next to the serial line's theoretical maximum.

A Linux pty stores the baud rate set with termios but moves bytes at memory speed, so the bench first checks
whether the pty enforces it; if not, both sides pace their writes at the line rate (10 bits a byte: start,
8 data, stop; each chunk is handed over once its last bit would have left). The theoretical maximum is
baud / (10 x bytes exchanged per transaction), the protocol being half-duplex. The emulator's own processing is
measured separately in memory, to show it is negligible next to the line time.

    python -m bench.terminal_bench [--seconds 1.5] [--answer short|long]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event

from simulators import clock
from hardware_emulator.concert.cash_register import ConcertCashRegister
from hardware_emulator.concert.codec import ConcertRequest
from hardware_emulator.concert.terminal import ConcertTerminal, ConcertTimings
from hardware_emulator.emulator import TerminalEmulator
from hardware_emulator.engine import PaymentEngine
from hardware_emulator.transports.pty_link import PtyLink
from hardware_emulator.transports.pump import PacedPort, Port, drive
from hardware_emulator.transports.serial_link import SerialPort
from hardware_emulator.wire_log import RingJournal

BAUD_RATES = (115200, 9600)
ANSWERS = {"short": "0", "long": "1"}


@dataclass(frozen=True, slots=True)
class Measure:
    baud: int
    transactions: int
    seconds: float
    bytes_per_transaction: int

    @property
    def per_second(self) -> float:
        return self.transactions / self.seconds

    @property
    def line_maximum(self) -> float:
        return self.baud / (10 * self.bytes_per_transaction)


def pty_enforces_baud(baud: int) -> tuple[bool, float]:
    """Write baud/100 bytes (0.1 s of line time) through a pty set to `baud`; returns (enforced, seconds)."""
    link = PtyLink(None, baud)
    size = baud // 100
    try:
        slave = os.open(link.device, os.O_RDWR | os.O_NOCTTY)
        try:
            started = clock.monotonic()
            link.port().write(b"U" * size)
            received = 0
            while received < size:
                received += len(os.read(slave, size))
            elapsed = clock.monotonic() - started
        finally:
            os.close(slave)
    finally:
        link.close()
    return elapsed >= 0.5 * size * 10 / baud, elapsed


def run_transaction(port: Port, request: ConcertRequest, timings: ConcertTimings) -> int:
    """One payment from the cash register's side; returns the bytes exchanged (both directions)."""
    register = ConcertCashRegister(request, timings=timings, answer_wait=10.0)
    exchanged = drive(register, register.start(), port)
    if register.result.error or register.result.answer is None:
        raise RuntimeError(f"bench transaction failed: {register.result.error}")
    return exchanged


def _serve(symlink: str, baud: int, pace: bool, timings: ConcertTimings, stop: Event) -> None:
    with TerminalEmulator("concert", "pty", symlink=symlink, baud=baud, pace=pace, timings=timings):
        stop.wait(600)


def measure(baud: int, *, seconds: float, answer_flag: str, pace: bool) -> Measure:
    """The emulator runs in its own process, as `simphonie terminal` would (no GIL shared with the client)."""
    timings = ConcertTimings(processing=0.0)
    request = ConcertRequest("01", 1250, answer_flag, "1", "0", "978", " " * 10, "A010", "B010")
    with tempfile.TemporaryDirectory() as folder:
        symlink = os.path.join(folder, "tpe")
        context = multiprocessing.get_context("fork")
        stop = context.Event()
        server = context.Process(target=_serve, args=(symlink, baud, pace, timings, stop), daemon=True)
        server.start()
        try:
            deadline = clock.monotonic() + 10
            while not os.path.exists(symlink):
                if clock.monotonic() > deadline or not server.is_alive():
                    raise RuntimeError("the terminal emulator did not start")
                time.sleep(0.01)
            device = SerialPort(symlink, baud)
            try:
                port: Port = device
                if pace:
                    port = PacedPort(port, baud)
                bytes_per_transaction = run_transaction(port, request, timings)  # warm-up, and the byte count
                count, started = 0, clock.monotonic()
                while (elapsed := clock.monotonic() - started) < seconds or count < 3:
                    run_transaction(port, request, timings)
                    count += 1
            finally:
                device.close()
        finally:
            stop.set()
            server.join(timeout=5)
    return Measure(baud, count, elapsed, bytes_per_transaction)


def core_seconds_per_transaction(answer_flag: str, transactions: int = 300) -> float:
    """Both protocol cores in memory, no line: what the emulator itself costs per transaction."""
    terminal = ConcertTerminal(PaymentEngine(), journal=RingJournal(maxlen=10))
    request = ConcertRequest("01", 1250, answer_flag, "1", "0", "978", " " * 10, "A010", "B010")
    started = clock.monotonic()
    for _ in range(transactions):
        register = ConcertCashRegister(request)
        to_terminal = register.start()
        while not register.done:
            to_register = terminal.feed(b"".join(to_terminal))
            to_register += terminal.tick()
            to_terminal = register.feed(b"".join(to_register)) if to_register else []
    return (clock.monotonic() - started) / transactions


def main(argv: list[str] | None = None) -> int:
    """`make bench` calls main() with no arguments: the defaults (sys.argv belongs to the bench runner)."""
    parser = argparse.ArgumentParser(prog="python -m bench.terminal_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="measuring time per baud rate")
    parser.add_argument("--answer", choices=ANSWERS, default="short", help="28-byte (short) or 83-byte (long) answer")
    args = parser.parse_args([] if argv is None else argv)
    answer_flag = ANSWERS[args.answer]

    print(f"Concert E+ over a pty, {args.answer} answer ({28 if answer_flag == '0' else 83} bytes), "
          "one payment = ENQ/ACK, request, ACK/EOT, ENQ/ACK, answer, ACK/EOT")
    results = []
    for baud in BAUD_RATES:
        enforced, elapsed = pty_enforces_baud(baud)
        line = baud // 100
        note = ("enforced by the pty" if enforced else
                f"not enforced ({line} bytes crossed in {elapsed * 1000:.2f} ms instead of {line * 10 / baud * 1000:.0f}"
                " ms): writes paced at the line rate on both sides")
        print(f"  termios B{baud} set on the pty: {note}")
        results.append(measure(baud, seconds=args.seconds, answer_flag=answer_flag, pace=not enforced))

    print(f"  {'baud':>7}  {'bytes/tx':>8}  {'tx/s measured':>13}  {'tx/s line max':>13}  {'ratio':>6}")
    for m in results:
        print(f"  {m.baud:>7}  {m.bytes_per_transaction:>8}  {m.per_second:>13.1f}  {m.line_maximum:>13.1f}  "
              f"{m.per_second / m.line_maximum:>6.1%}")
    for m in results:
        overhead = 1 / m.per_second - 1 / m.line_maximum
        print(f"  {m.baud:>7} baud: {overhead * 1000:.2f} ms per transaction beyond line time "
              "(wake-ups of both sides at each of the ~10 half-duplex turnarounds)")
    core = core_seconds_per_transaction(answer_flag)
    fastest = max(results, key=lambda m: m.baud)
    print(f"  emulator cores in memory: {core * 1e6:.0f} µs per transaction "
          f"({core * fastest.line_maximum:.2%} of a {fastest.baud}-baud transaction's line time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
