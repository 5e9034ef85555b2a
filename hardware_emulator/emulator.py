"""A payment terminal on a link: script + engine + protocol core + transport, started and stopped as one.

    with TerminalEmulator("concert", "pty", symlink="/tmp/simphonie-tpe0") as tpe:
        tpe.script.queue_outcome("wrong_pin")
        ...  # the GAP opens tpe.address
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Callable

from simulators import clock
from hardware_emulator.caisse_ap.terminal import CaisseApOptions, CaisseApTerminal
from hardware_emulator.cards import DEFAULT_BIN, SyntheticCards
from hardware_emulator.concert.terminal import ConcertTerminal, ConcertTimings
from hardware_emulator.engine import PaymentEngine
from hardware_emulator.faults import CAISSE_AP, CONCERT, PROTOCOLS
from hardware_emulator.registry import TerminalRegistry, TerminalSlot
from hardware_emulator.script import TerminalScript
from hardware_emulator.transports.pty_link import DEFAULT_SYMLINK, PtyLink
from hardware_emulator.transports.pump import Core, PacedPort, Port, pump
from hardware_emulator.wire_log import RingJournal, TeeJournal
from simulators.journal import JournalSink

CAISSE_AP_PORT = 8888


@dataclass(frozen=True, slots=True)
class Link:
    """`pty`, `tcp`, or `serial:<pyserial URL>`."""

    kind: str
    url: str = ""

    @classmethod
    def parse(cls, text: str) -> Link:
        if text in ("pty", "tcp"):
            return cls(text)
        if text.startswith("serial:") and len(text) > len("serial:"):
            return cls("serial", text[len("serial:"):])
        raise ValueError(f"unknown link {text!r}; expected pty, tcp or serial:URL "
                         "(e.g. serial:/dev/ttyUSB0, serial:socket://host:port, serial:rfc2217://host:port)")

    def __str__(self) -> str:
        return f"serial:{self.url}" if self.kind == "serial" else self.kind


class TerminalEmulator:
    def __init__(self, protocol: str = CONCERT, link: Link | str = "pty", *, script: TerminalScript | None = None,
                 seed: int = 0, journal: JournalSink | None = None, session: str = "default",
                 name: str = "tpe0", registry: TerminalRegistry | None = None,
                 host: str = "127.0.0.1", port: int = CAISSE_AP_PORT, symlink: str | None = DEFAULT_SYMLINK,
                 baud: int = 9600, pace: bool = False, seven_e_one: bool = False,
                 timings: ConcertTimings = ConcertTimings(), caisse_ap: CaisseApOptions = CaisseApOptions(),
                 consent_code: str = "7", bin_prefix: str = DEFAULT_BIN,
                 today: Callable[[], date] = clock.today) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}; valid: {', '.join(PROTOCOLS)}")
        self.protocol = protocol
        self.link = Link.parse(link) if isinstance(link, str) else link
        if protocol == CAISSE_AP and self.link.kind != "tcp":
            raise ValueError("caisse-ap runs over tcp only (Concert V3 serial framing is not public)")
        self.script = script or TerminalScript()
        self.script.protocol = protocol
        self.engine = PaymentEngine(self.script, SyntheticCards(seed, bin_prefix=bin_prefix), today=today)
        self.journal = RingJournal()
        self._sink: JournalSink = self.journal if journal is None else TeeJournal(self.journal, journal)
        self.session, self.name = session, name
        self._host, self._port, self._symlink = host, port, symlink
        self._baud, self._pace, self._seven_e_one = baud, pace, seven_e_one
        self._timings, self._caisse_ap, self._consent_code = timings, caisse_ap, consent_code
        self._stop = threading.Event()
        self._closers: list[Callable[[], None]] = []
        self._threads: list[threading.Thread] = []
        self.address = ""
        self.pty: PtyLink | None = None
        self._info = self.describe()  # shared with the registry's slot, updated once started
        if registry is not None:
            registry.register(name, TerminalSlot(self.script, self.journal, self._info))

    def new_core(self) -> Core:
        """A fresh protocol core on this terminal's engine (what one line or one connection runs)."""
        if self.protocol == CONCERT:
            return ConcertTerminal(self.engine, journal=self._sink, session=self.session,
                                   consent_code=self._consent_code, timings=self._timings)
        return CaisseApTerminal(self.engine, journal=self._sink, session=self.session, options=self._caisse_ap)

    def describe(self) -> dict[str, object]:
        return {"protocol": self.protocol, "link": str(self.link), "address": self.address, "session": self.session}

    def start(self) -> str:
        """Open the link, serve in daemon threads, return what the GAP should open or connect to."""
        starters = {"pty": self._start_pty, "serial": self._start_serial, "tcp": self._start_tcp}
        self.address = starters[self.link.kind]()
        self._info.update(self.describe())
        return self.address

    def _serve_line(self, port: Port) -> None:
        if self._pace:
            port = PacedPort(port, self._baud)
        thread = threading.Thread(target=pump, args=(self.new_core(), port, self._stop),
                                  name=f"terminal-{self.name}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _start_pty(self) -> str:
        self.pty = PtyLink(self._symlink, self._baud)
        self._closers.append(self.pty.close)
        self._serve_line(self.pty.port())
        return self.pty.path

    def _start_serial(self) -> str:
        from hardware_emulator.transports.serial_link import SerialPort

        port = SerialPort(self.link.url, self._baud, seven_e_one=self._seven_e_one)
        self._closers.append(port.close)
        self._serve_line(port)
        return self.link.url

    def _start_tcp(self) -> str:
        from hardware_emulator.transports.tcp_server import TcpServer

        server = TcpServer(self.new_core, self._host, self._port)
        self._closers.append(server.close)
        server.start()
        return server.address

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        for close in reversed(self._closers):
            close()
        self._closers.clear()

    def __enter__(self) -> TerminalEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
