"""The loop every transport runs: read with a timeout bounded by the core's next deadline, feed, tick, write."""
from __future__ import annotations

import threading
import time
from typing import Callable, Protocol

from simulators import clock as bench_clock


class Core(Protocol):
    """What a sans-IO protocol core offers (ConcertTerminal, CaisseApTerminal)."""

    closed: bool

    def feed(self, data: bytes) -> list[bytes]: ...
    def feed_eof(self) -> list[bytes]: ...
    def tick(self, now: float | None = None) -> list[bytes]: ...
    def next_deadline(self) -> float | None: ...


class Port(Protocol):
    def read(self, timeout: float) -> bytes | None:
        """Up to a few KiB within `timeout`; b"" when nothing came, None at end of stream."""

    def write(self, data: bytes) -> None: ...


class PacedPort:
    """Deliver writes at a serial line's pace (10 bits a byte: start, 8 data, stop): each chunk is handed over
    once its last bit would have been transmitted, so a pty (which ignores its baud rate) behaves like the line."""

    def __init__(self, port: Port, baud: int, clock: Callable[[], float] = bench_clock.monotonic) -> None:
        self._port = port
        self._seconds_per_byte = 10 / baud
        self._clock = clock
        self._line_free = 0.0

    def read(self, timeout: float) -> bytes | None:
        return self._port.read(timeout)

    def write(self, data: bytes) -> None:
        done = max(self._clock(), self._line_free) + len(data) * self._seconds_per_byte
        self._line_free = done
        while (left := done - self._clock()) > 0:
            time.sleep(left)
        self._port.write(data)


def pump(core: Core, port: Port, stop: threading.Event, *, poll: float = 0.05,
         clock: Callable[[], float] = bench_clock.monotonic) -> None:
    """Serve `core` on `port` until `stop` is set, the core closes the connection, or the stream has ended
    and the core has nothing left to do (a Caisse-AP client may half-close, then wait for the answer)."""
    ended = False
    while not stop.is_set() and not core.closed:
        deadline = core.next_deadline()
        if ended and deadline is None:
            return
        timeout = poll if deadline is None else min(poll, max(0.0, deadline - clock()))
        out: list[bytes] = []
        if ended:
            stop.wait(timeout)
        else:
            try:
                data = port.read(timeout)
            except OSError:
                data = None
            if data is None:
                ended = True
                out = core.feed_eof()
            elif data:
                out = core.feed(data)
        out += core.tick()
        try:
            for chunk in out:
                port.write(chunk)
        except OSError:
            return


class Client(Protocol):
    """A sans-IO client that finishes (ConcertCashRegister)."""

    done: bool

    def feed(self, data: bytes) -> list[bytes]: ...
    def tick(self, now: float | None = None) -> list[bytes]: ...


def drive(client: Client, first: list[bytes], port: Port, *, timeout: float = 30.0, poll: float = 0.05) -> int:
    """Run a client over a blocking port until it is done; returns the bytes exchanged both ways."""
    limit = bench_clock.monotonic() + timeout
    exchanged, out = 0, first
    while True:
        for chunk in out:
            port.write(chunk)
            exchanged += len(chunk)
        if client.done:
            return exchanged
        if bench_clock.monotonic() > limit:
            raise TimeoutError(f"client not done after {timeout} s")
        data = port.read(poll)
        if data is None:
            raise ConnectionError("the line closed before the client was done")
        exchanged += len(data)
        out = client.feed(data) if data else client.tick()
