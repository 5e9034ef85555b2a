"""A pseudo-terminal pair: the emulator keeps the master, the GAP opens the slave through a stable symlink."""
from __future__ import annotations

import os
import select
import termios
import tty
from pathlib import Path

DEFAULT_SYMLINK = "/tmp/simphonie-tpe0"

# the termios constants for the rates a terminal link uses
BAUD_RATES = {rate: getattr(termios, f"B{rate}") for rate in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)}


def _wait(fd: int, event: int, timeout: float) -> bool:
    """poll() rather than select(): select fails on descriptors above 1024, which a busy bench reaches."""
    poller = select.poll()
    poller.register(fd, event)
    return bool(poller.poll(max(0.0, timeout) * 1000))


class FdPort:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def read(self, timeout: float) -> bytes | None:
        if not _wait(self._fd, select.POLLIN, timeout):
            return b""
        try:
            return os.read(self._fd, 4096)
        except OSError:  # EIO: no process holds the slave (cannot happen while we keep it open)
            return b""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if _wait(self._fd, select.POLLOUT, 1.0):
                view = view[os.write(self._fd, view):]


class PtyLink:
    """Open a raw pty pair, set its baud rate, and point `symlink` at the slave device.

    The emulator keeps a slave descriptor open too, so reads on the master never fail with EIO while the
    GAP closes and reopens the port. Parity and data bits are meaningless on a pty (8N1 and 7E1 both work).
    """

    def __init__(self, symlink: str | None = DEFAULT_SYMLINK, baud: int = 9600) -> None:
        if baud not in BAUD_RATES:
            raise ValueError(f"baud rate {baud} not supported; valid: {', '.join(map(str, BAUD_RATES))}")
        self.symlink = symlink
        self.baud = baud
        self._master, self._slave = os.openpty()
        self.device = os.ttyname(self._slave)
        tty.setraw(self._slave)
        attributes = termios.tcgetattr(self._slave)
        attributes[4] = attributes[5] = BAUD_RATES[baud]  # ispeed, ospeed
        termios.tcsetattr(self._slave, termios.TCSANOW, attributes)
        if symlink:
            self._link(Path(symlink))

    @property
    def path(self) -> str:
        """What the GAP opens: the symlink if any, else the slave device."""
        return self.symlink or self.device

    def port(self) -> FdPort:
        return FdPort(self._master)

    def line_speed(self) -> int:
        """The baud rate the pty reports (it stores it, it does not enforce it)."""
        speed = termios.tcgetattr(self._slave)[5]
        return next((rate for rate, constant in BAUD_RATES.items() if constant == speed), 0)

    def _link(self, link: Path) -> None:
        if link.is_symlink():
            link.unlink()
        elif link.exists():
            raise FileExistsError(f"{link} exists and is not a symlink; choose another path")
        link.symlink_to(self.device)

    def close(self) -> None:
        if self.symlink:
            link = Path(self.symlink)
            if link.is_symlink() and os.readlink(link) == self.device:
                link.unlink()
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
